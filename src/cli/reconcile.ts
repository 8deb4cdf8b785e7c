import type { Client, Connection } from '@temporalio/client';
import { WORKFLOW_TYPES, workflowIds, type ReconcileInput, type ReconcileResult } from '../../workflows/messages';
import { connectClient, UsageError } from '../runtime';
import { ensureSearchAttributes, searchAttributesFor } from '../temporal/searchAttributes';
import { parseFlags, print } from './args';
import { resultUnlessStopped } from './progress';
import { parseDuration } from '../config';
import type { Command } from './commands';

export const reconcileCommand: Command = {
  summary: 'Run a reconciliation now (incremental, or --full with the deletion sweep).',
  help: `descope-sync reconcile [--full] [--force] [--wait] [--json]

  --full   re-read every user and tombstone users Descope no longer has (deletion sweep)
  --force  let the sweep delete more than SWEEP_MAX_DELETE_FRACTION of stored users
  --wait   wait for the result and print its summary (drift: users already current, missed by the webhooks, deleted)`,
  needsDescope: true,
  async run(ctx) {
    const { values } = parseFlags(ctx.argv, {
      full: { type: 'boolean' },
      force: { type: 'boolean' },
      wait: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (values.force && !values.full) throw new UsageError('--force only applies to --full');
    const client = await connectClient(ctx.config);
    try {
      const mode = values.full ? 'full' : 'incremental';
      const input: ReconcileInput = {
        mode,
        force: values.force ?? false,
        overlapMs: ctx.config.reconcile.overlapMs,
        maxDeleteFraction: ctx.config.reconcile.maxDeleteFraction,
        minDelete: ctx.config.reconcile.minDelete,
        includeTestUsers: ctx.config.descope.includeTestUsers,
      };
      const searchAttributes = await ensureSearchAttributes(
        client.connection as Connection,
        ctx.config.temporal.namespace,
      );
      const handle = await client.workflow.start(WORKFLOW_TYPES.reconcile, {
        taskQueue: ctx.config.temporal.taskQueue,
        workflowId: workflowIds.reconcileRun(ctx.target.projectId, `manual-${mode}-${Date.now()}`),
        args: [input],
        ...searchAttributesFor(searchAttributes, mode === 'full' ? 'sweep' : 'reconcile', ctx.target.projectId),
      });
      if (!values.wait) {
        console.log(`Started ${handle.workflowId}.`);
        return 0;
      }
      const result = (await resultUnlessStopped(
        handle.result(),
        ctx.signal,
        handle.workflowId,
        'the Temporal Web UI, or descope-sync status',
      )) as ReconcileResult | undefined;
      if (!result) return 130;
      print(values.json ?? false, result, () => summary(result));
      return 0;
    } finally {
      await client.connection.close();
    }
  },
};

function summary(r: ReconcileResult): string {
  return [
    `Reconciliation (${r.mode}) completed: ${r.totals.seen} users read in ${r.requests} requests.`,
    `  already current: ${r.drift.current}; missed by the webhooks, now fixed: ${r.drift.missed}; deleted: ${r.drift.deleted}`,
    r.watermarkMs ? `  watermark: ${new Date(r.watermarkMs).toISOString()}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

export const replayCommand: Command = {
  summary: 'Re-drive failed event workflows from a time window (Temporal reset to their first task).',
  help: `descope-sync replay [--since 24h|ISO] [--until ISO] [--dry-run] [--json]

Finds applyAuditEvent workflows on TEMPORAL_TASK_QUEUE whose latest run failed and started in the window,
and resets each to its first workflow task with Temporal's own reset, so it runs again with its original input.`,
  needsDescope: true,
  async run(ctx) {
    const { values } = parseFlags(ctx.argv, {
      since: { type: 'string', default: '24h' },
      until: { type: 'string' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const since = timeArg(values.since, 'since');
    const until = values.until ? timeArg(values.until, 'until') : Date.now();
    const client = await connectClient(ctx.config);
    try {
      const redriven = await replayFailed(
        client,
        ctx.config.temporal.namespace,
        ctx.config.temporal.taskQueue,
        since,
        until,
        values['dry-run'] ?? false,
      );
      print(values.json ?? false, redriven, () =>
        redriven.length === 0
          ? 'No failed event workflows in that window.'
          : redriven.map((r) => `${r.workflowId} -> ${r.newRunId ?? '(dry run)'}`).join('\n'),
      );
      return 0;
    } finally {
      await client.connection.close();
    }
  },
};

function timeArg(value: string, name: string): number {
  const duration = parseDuration(value);
  if (duration !== undefined && /[a-z]$/.test(value)) return Date.now() - duration;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`--${name}: expected a duration such as 24h or an ISO date, got ${value}`);
  return ms;
}

/**
 * Failed runs matching a visibility query that are still their workflow's latest run. Visibility cannot ask
 * for latest runs only (temporalio/temporal#351): a run that was reset, or whose event arrived again and
 * succeeded, stays Failed there forever, and must be neither re-driven nor counted again.
 */
export async function* stillFailed(client: Client, query: string) {
  for await (const wf of client.workflow.list({ query })) {
    const latest = await client.workflow.getHandle(wf.workflowId).describe();
    if (latest.runId === wf.runId) yield wf;
  }
}

export async function replayFailed(
  client: Client,
  namespace: string,
  taskQueue: string,
  sinceMs: number,
  untilMs: number,
  dryRun: boolean,
) {
  // Scoped to this deployment's task queue: other projects may share the namespace.
  const query =
    `WorkflowType = '${WORKFLOW_TYPES.applyEvent}' AND ExecutionStatus = 'Failed' AND TaskQueue = '${taskQueue}' AND ` +
    `StartTime >= '${new Date(sinceMs).toISOString()}' AND StartTime <= '${new Date(untilMs).toISOString()}'`;
  const out: { workflowId: string; runId: string; newRunId?: string }[] = [];
  for await (const wf of stillFailed(client, query)) {
    const entry: (typeof out)[number] = { workflowId: wf.workflowId, runId: wf.runId };
    if (!dryRun) {
      const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      const firstTask = history.events?.find((e) => e.workflowTaskCompletedEventAttributes);
      if (!firstTask?.eventId) continue;
      const reset = await client.workflowService.resetWorkflowExecution({
        namespace,
        workflowExecution: { workflowId: wf.workflowId, runId: wf.runId },
        reason: 'descope-sync replay',
        workflowTaskFinishEventId: firstTask.eventId,
        requestId: `${wf.runId}-replay`,
      });
      entry.newRunId = reset.runId ?? undefined;
    }
    out.push(entry);
  }
  return out;
}
