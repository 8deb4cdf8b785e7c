import { describe, expect, it } from 'vitest';
import { runWorkers, type RunnableWorker } from '../../src/temporal/worker';

/** A stand-in for a Temporal Worker: run() settles when shut down, or when the test makes it fail or stop. */
function standIn(taskQueue: string) {
  let settle!: (error?: Error) => void;
  let state: ReturnType<RunnableWorker['getState']> = 'INITIALIZED';
  const worker = {
    options: { taskQueue },
    shutdowns: 0,
    getState: () => state,
    shutdown() {
      worker.shutdowns += 1;
      state = 'STOPPING';
      settle();
    },
    run: () =>
      new Promise<void>((resolve, reject) => {
        state = 'RUNNING';
        settle = (error) => {
          state = error ? 'FAILED' : 'STOPPED';
          if (error) reject(error);
          else resolve();
        };
      }),
    fail: (error: Error) => settle(error),
    stopAlone: () => settle(),
  };
  return worker;
}

describe('runWorkers: three queues or none', () => {
  it('one worker failing shuts the others down and rejects with its error', async () => {
    const workers = [standIn('q'), standIn('q-search'), standIn('q-load')];
    const running = runWorkers(workers, new AbortController().signal);
    workers[1]!.fail(new Error('poller failed for good'));
    await expect(running).rejects.toThrow('poller failed for good');
    expect(workers.map((w) => w.getState())).toEqual(['STOPPED', 'FAILED', 'STOPPED']);
  });

  it('one worker stopping when nobody asked shuts the others down and rejects, naming its queue', async () => {
    const workers = [standIn('q'), standIn('q-search'), standIn('q-load')];
    const running = runWorkers(workers, new AbortController().signal);
    workers[0]!.stopAlone();
    await expect(running).rejects.toThrow('the worker for task queue q stopped on its own');
    expect(workers[1]!.shutdowns + workers[2]!.shutdowns).toBe(2);
  });

  it('a signal aborted before the workers run (Ctrl-C while bundling): they never start, and it returns', async () => {
    const workers = [standIn('q'), standIn('q-search')];
    const abort = new AbortController();
    abort.abort();
    await expect(runWorkers(workers, abort.signal)).resolves.toBeUndefined();
    expect(workers.map((w) => w.getState())).toEqual(['INITIALIZED', 'INITIALIZED']);
  });

  it('a worker that never finishes stopping does not keep the process: the wait is bounded', async () => {
    const stuck = { ...standIn('q-load'), shutdown() {} };
    const failing = standIn('q');
    const running = runWorkers([failing, stuck], new AbortController().signal, 50);
    failing.fail(new Error('fatal'));
    await expect(running).rejects.toThrow('fatal');
  });

  it('an abort shuts every worker down and resolves', async () => {
    const workers = [standIn('q'), standIn('q-search'), standIn('q-load')];
    const abort = new AbortController();
    const running = runWorkers(workers, abort.signal);
    abort.abort();
    await expect(running).resolves.toBeUndefined();
    expect(workers.map((w) => w.shutdowns)).toEqual([1, 1, 1]);
  });
});
