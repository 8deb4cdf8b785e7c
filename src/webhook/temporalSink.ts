import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WORKFLOW_TYPES, workflowIds, type ApplyEventInput, type ReconcileInput } from '../../workflows/messages';
import { searchAttributesFor } from '../temporal/searchAttributes';
import { SinkUnavailableError } from './errors';
import type { MongoStore } from '../store/mongoStore';
import type { ApplyRequest, EventSink, WindowRequest } from './types';

const PARALLEL_STARTS = 32;
/** A burst of batch events without user ids within one bucket shares one reconciliation run. */
const RECONCILE_BUCKET_MS = 5 * 60_000;
const SWEEP_BUCKET_MS = 60 * 60_000;

/**
 * Hands events to Temporal durably. Each event becomes its own workflow whose id derives from the event, so
 * a redelivery is a no-op: a running or completed workflow with that id is left alone (only a FAILED one
 * may run again, which is how a redelivery re-drives it). The webhook acknowledges only after this resolves.
 */
export function createTemporalSink(deps: {
  client: Client;
  store: MongoStore;
  taskQueue: string;
  projectId: string;
  overlapMs: number;
  searchAttributes: boolean;
}): EventSink {
  const { client, taskQueue, projectId } = deps;

  async function startOnce(id: string, start: () => Promise<unknown>): Promise<'started' | 'duplicate'> {
    try {
      await start();
      return 'started';
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return 'duplicate';
      throw error;
    }
  }

  const startApply = (req: ApplyRequest) => {
    const workflowId = workflowIds.event(req.eventId);
    const input: ApplyEventInput = {
      eventId: req.eventId,
      action: req.action,
      userId: req.userId,
      occurredMs: req.occurredMs ?? null,
      receivedMs: req.receivedMs,
    };
    return startOnce(workflowId, () =>
      client.workflow.start(WORKFLOW_TYPES.applyEvent, {
        taskQueue,
        workflowId,
        args: [input],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        workflowIdConflictPolicy: 'USE_EXISTING',
        ...searchAttributesFor(deps.searchAttributes, 'event', projectId, req.userId),
      }),
    );
  };

  const startWindow = (req: WindowRequest) => {
    const sweep = req.action === 'UsersDeleted';
    const bucketMs = sweep ? SWEEP_BUCKET_MS : RECONCILE_BUCKET_MS;
    const tag = `${sweep ? 'sweep' : 'window'}-${Math.floor(req.occurredMs / bucketMs)}`;
    const workflowId = workflowIds.reconcileRun(projectId, tag);
    const input: ReconcileInput = sweep
      ? { mode: 'full' }
      : { mode: 'incremental', fromMs: Math.max(req.occurredMs - deps.overlapMs, 1) };
    return startOnce(workflowId, () =>
      client.workflow.start(WORKFLOW_TYPES.reconcile, {
        taskQueue,
        workflowId,
        args: [input],
        // A run already going covers the burst; one that finished may be followed by a new one.
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        workflowIdConflictPolicy: 'USE_EXISTING',
        ...searchAttributesFor(deps.searchAttributes, sweep ? 'sweep' : 'reconcile', projectId),
      }),
    );
  };

  return {
    async submit(work, signal) {
      const tasks: (() => Promise<'started' | 'duplicate'>)[] = [
        ...work.applies.map((req) => () => startApply(req)),
        ...work.windows.map((req) => () => startWindow(req)),
      ];
      try {
        const outcomes = await client.withAbortSignal(signal, () => runLimited(tasks, PARALLEL_STARTS));
        const duplicates = outcomes.filter((o) => o === 'duplicate').length;
        return { started: outcomes.length - duplicates, duplicates };
      } catch (error) {
        if (signal.aborted || isUnavailable(error))
          throw new SinkUnavailableError('Temporal is unavailable', { cause: error });
        throw error;
      }
    },
    async ready() {
      const [temporal, mongo] = await Promise.all([
        client.connection.workflowService.getSystemInfo({}).then(
          () => true,
          () => false,
        ),
        deps.store.ping(),
      ]);
      return { temporal, mongo };
    },
  };
}

async function runLimited<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  });
  await Promise.all(lanes);
  return results;
}

function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: number }).code;
  // gRPC UNAVAILABLE (14) and DEADLINE_EXCEEDED (4): the server is down or unreachable.
  return (
    code === 14 || code === 4 || (error instanceof Error && /unavailable|ECONNREFUSED|deadline/i.test(error.message))
  );
}
