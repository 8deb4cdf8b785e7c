import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WORKFLOW_TYPES, workflowIds, type ApplyEventInput } from '../../workflows/messages';
import type { IntakeInput } from '../../workflows/intakeDelivery';
import { searchAttributesFor } from '../temporal/searchAttributes';
import { SinkUnavailableError } from './errors';
import { GROUP_COMMIT, groupCommit, type GroupCommitOptions, type StartGroup } from './groupCommit';
import type { MongoStore } from '../store/mongoStore';
import type { ApplyRequest, EventSink, SinkWork } from './types';

export interface TemporalSinkDeps {
  client: Client;
  store: MongoStore;
  taskQueue: string;
  projectId: string;
  /** RECONCILE_OVERLAP and SWEEP_MAX_DELETE_FRACTION: runs started for batch events that name no users use them. */
  overlapMs: number;
  maxDeleteFraction: number;
  searchAttributes: boolean;
}

/**
 * Hands deliveries to Temporal durably, ONE call per group of deliveries whatever their size (`groupCommit`):
 * it starts an `intakeDelivery` workflow holding the group's event ids, which then starts each event's own
 * workflow. The intake's id derives from the event ids, so the same delivery again, alone, is a no-op while its
 * intake runs or after it completed (a failed or terminated intake may run again); an event that reaches a new
 * intake twice is a no-op at its own workflow id. The webhook acknowledges only after the start resolves.
 */
export function createTemporalSink(deps: TemporalSinkDeps, options: GroupCommitOptions = GROUP_COMMIT): EventSink {
  const { client, taskQueue, projectId } = deps;
  const startGroup: StartGroup = async (work, signal) => {
    const workflowId = workflowIds.intake(deliveryKey(work));
    try {
      await client.withAbortSignal(signal, () =>
        client.workflow.start(WORKFLOW_TYPES.intake, {
          taskQueue,
          workflowId,
          args: [intakeInput(deps, work)],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          ...searchAttributesFor(deps.searchAttributes, 'intake', projectId),
        }),
      );
      return { started: true, intake: workflowId };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return { started: false, intake: workflowId };
      if (signal.aborted || isUnavailable(error))
        throw new SinkUnavailableError('Temporal is unavailable', { cause: error });
      throw error;
    }
  };
  return {
    submit: groupCommit(startGroup, options),
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

/** The same events, in any order, give the same key; the order inside a delivery does not name it. */
export function deliveryKey(work: SinkWork): string {
  const ids = [...work.applies, ...work.windows].map((r) => r.eventId).sort();
  return createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 32);
}

function intakeInput(deps: TemporalSinkDeps, work: SinkWork): IntakeInput {
  return {
    projectId: deps.projectId,
    searchAttributes: deps.searchAttributes,
    reconcile: { overlapMs: deps.overlapMs, maxDeleteFraction: deps.maxDeleteFraction },
    events: work.applies.map(applyInput),
    windows: work.windows.map(({ eventId, action, occurredMs, receivedMs }) => ({
      eventId,
      action,
      occurredMs,
      receivedMs,
    })),
  };
}

function applyInput(req: ApplyRequest): ApplyEventInput {
  return {
    eventId: req.eventId,
    action: req.action,
    ...(req.userId === undefined ? {} : { userId: req.userId }),
    ...(req.userIds === undefined ? {} : { userIds: req.userIds }),
    occurredMs: req.occurredMs ?? null,
    receivedMs: req.receivedMs,
  };
}

function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: number }).code;
  // gRPC UNAVAILABLE (14) and DEADLINE_EXCEEDED (4): the server is down or unreachable.
  return (
    code === 14 || code === 4 || (error instanceof Error && /unavailable|ECONNREFUSED|deadline/i.test(error.message))
  );
}
