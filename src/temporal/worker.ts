import type { NativeConnection } from '@temporalio/worker';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createActivities, type ActivityDeps } from '../../activities';
import { FleetBudget } from '../../activities/budget';
import { taskQueues } from '../../workflows/messages';

export const workflowsPath = resolve(dirname(fileURLToPath(import.meta.url)), '../../workflows/index.ts');

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Search requests per minute for ALL workers of the project (Temporal's rate limit and the fleet budget). */
  searchRpm: number;
  /** Load requests per minute for ALL workers of the project (the fleet budget in MongoDB). */
  loadRpm: number;
  deps: ActivityDeps;
  /** A pre-built bundle (tests build one per run); otherwise the worker bundles workflows/ at start. */
  workflowBundle?: { code: string } | { codePath: string };
}

/**
 * One process, three pollers: workflows and MongoDB-only activities on the main queue; Descope searches and
 * event applies on their own queues. Every Descope request takes a slot of the fleet budget in MongoDB
 * (activities/budget.ts), shared by all workers, so adding workers never adds Descope load. The search queue
 * keeps its server-side rate limit too (one page per activity, so it paces the scans' lanes); the load queue
 * has none, because its activities are not requests: an event apply waits in the batcher with many others.
 */
export async function createWorkers(setup: WorkerSetup): Promise<Worker[]> {
  const budget =
    setup.deps.budget ?? FleetBudget.inDatabase(setup.deps.store.db, { search: setup.searchRpm, load: setup.loadRpm });
  const activities = createActivities({ ...setup.deps, budget });
  // A shutdown cancels running activities at once (the SDK's default) and never waits on them forever.
  const common = { connection: setup.connection, namespace: setup.namespace, activities, shutdownForceTime: '30s' };
  const workflowSource: Partial<WorkerOptions> = setup.workflowBundle
    ? { workflowBundle: setup.workflowBundle }
    : { workflowsPath };
  return Promise.all([
    Worker.create({ ...common, ...workflowSource, taskQueue: setup.taskQueue }),
    Worker.create({
      ...common,
      taskQueue: taskQueues.search(setup.taskQueue),
      maxTaskQueueActivitiesPerSecond: setup.searchRpm / 60,
      maxConcurrentActivityTaskExecutions: 16,
    }),
    Worker.create({
      ...common,
      taskQueue: taskQueues.load(setup.taskQueue),
      // Waiting applies hold a slot each; the more wait together, the fuller each Descope request.
      maxConcurrentActivityTaskExecutions: 500,
    }),
  ]);
}

/** What runWorkers needs of a Worker (a test can hand it stand-ins). */
export type RunnableWorker = Pick<Worker, 'run' | 'shutdown' | 'getState'> & { options: { taskQueue: string } };

/**
 * Runs the workers until `signal` aborts, then shuts them down gracefully. The process serves three queues or
 * none: when one worker stops on its own (a fatal error, or a stop nobody asked for), the others are shut down
 * too and this rejects, so the process exits and its supervisor restarts it, instead of living on with a queue
 * nobody polls (a backfill then waits forever with nothing said).
 */
export async function runWorkers(
  workers: RunnableWorker[],
  signal: AbortSignal,
  stopWaitMs = STOP_WAIT_MS,
): Promise<void> {
  const stopAll = () => workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown());
  // The first worker to stop when nobody asked says why the process stops; the others stop because of it.
  let cause: unknown;
  let stopping!: () => void;
  const stopped = new Promise<void>((resolve) => (stopping = resolve));
  const onAbort = () => {
    stopAll();
    stopping();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  const watch = async (worker: RunnableWorker) => {
    // A worker not yet running cannot be shut down: one asked to stop before it starts never starts.
    if (signal.aborted) return;
    try {
      await worker.run();
      if (!signal.aborted)
        cause ??= new Error(`the worker for task queue ${worker.options.taskQueue} stopped on its own`);
    } catch (error) {
      cause ??= error;
    }
    stopAll();
    stopping();
  };
  try {
    const all = Promise.all(workers.map(watch));
    // Once stopping, the others get a bounded time to drain: a worker that never settles (its runtime already
    // shut down by a signal) must not keep the process alive.
    await Promise.race([all, stopped.then(() => Promise.race([all, delay(stopWaitMs)]))]);
    if (cause !== undefined) throw cause;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** How long the other workers get to stop once one has stopped or the process was asked to. */
const STOP_WAIT_MS = 35_000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
