import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WORKFLOW_TYPES, feedSettingsSignal, workflowIds } from '../../workflows/messages';
import { searchAttributesFor } from './searchAttributes';
import type { AuditFeedInput } from '../../workflows/auditFeed';

export type AuditFeedOptions = Omit<AuditFeedInput, 'carry'> & { taskQueue: string };

/**
 * Keeps the project's one audit feed running with these settings: starts it when absent (or ended), else hands
 * the running one the settings (signal-with-start), so every worker may call this at start. An interval of 0
 * turns the feed off: a running feed is cancelled (its cursor stays in `sync_state` for a later start).
 */
export async function ensureAuditFeed(client: Client, options: AuditFeedOptions): Promise<'running' | 'off'> {
  const { taskQueue, ...input } = options;
  const workflowId = workflowIds.auditFeed(input.projectId);
  if (input.intervalMs <= 0) {
    await client.workflow
      .getHandle(workflowId)
      .cancel()
      .catch((error: unknown) => {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      });
    return 'off';
  }
  await client.workflow.signalWithStart(WORKFLOW_TYPES.auditFeed, {
    taskQueue,
    workflowId,
    args: [input],
    signal: feedSettingsSignal,
    signalArgs: [{ intervalMs: input.intervalMs, overlapMs: input.overlapMs }],
    ...searchAttributesFor(input.searchAttributes, 'feed', input.projectId),
  });
  return 'running';
}
