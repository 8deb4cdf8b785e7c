import type { NativeConnection } from '@temporalio/worker';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createActivities, type ActivityDeps } from '../../activities';
import { taskQueues } from '../../workflows/messages';

export const workflowsPath = resolve(dirname(fileURLToPath(import.meta.url)), '../../workflows/index.ts');

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Search requests per minute for ALL workers of the project: enforced by the Temporal server. */
  searchRpm: number;
  loadRpm: number;
  deps: ActivityDeps;
  /** A pre-built bundle (tests build one per run); otherwise the worker bundles workflows/ at start. */
  workflowBundle?: { code: string } | { codePath: string };
}

/**
 * One process, three pollers: workflows and MongoDB-only activities on the main queue; Descope searches and
 * loads on their own queues, each with a server-side rate limit, so adding workers never adds Descope load.
 */
export async function createWorkers(setup: WorkerSetup): Promise<Worker[]> {
  const activities = createActivities(setup.deps);
  const common = { connection: setup.connection, namespace: setup.namespace, activities };
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
      maxTaskQueueActivitiesPerSecond: setup.loadRpm / 60,
      maxConcurrentActivityTaskExecutions: 20,
    }),
  ]);
}

/** Runs the workers until `signal` aborts, then shuts them down gracefully. */
export async function runWorkers(workers: Worker[], signal: AbortSignal): Promise<void> {
  const onAbort = () => workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown());
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
