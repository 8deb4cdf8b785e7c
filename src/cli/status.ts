import { RECONCILE_STATE_ID, WORKFLOW_TYPES, stateId, workflowIds } from '../../workflows/messages';
import { connectClient, connectStore } from '../runtime';
import { parseFlags, print } from './args';
import { stillFailed } from './reconcile';
import { feedLine, feedReport } from './feedStatus';
import type { Client } from '@temporalio/client';
import type { RefusalRecord } from '../store/mongoStore';
import type { Command } from './commands';

export const statusCommand: Command = {
  summary: 'Overall status: users stored and deleted, backfill, watermark, drift, failed workflows.',
  help: 'descope-sync status [--json]',
  needsDescope: true,
  async run(ctx) {
    const { values } = parseFlags(ctx.argv, { json: { type: 'boolean' } });
    const store = await connectStore(ctx.config);
    const client = await connectClient(ctx.config);
    try {
      const users = await store.countUsers();
      const backfill = await store.getState<Record<string, unknown>>(
        stateId('backfill', workflowIds.backfill(ctx.target.projectId)),
      );
      const reconcile = await store.getState<Record<string, unknown>>(RECONCILE_STATE_ID);
      const failed = await countFailed(client, ctx.config.temporal.taskQueue, reconcile ?? null).catch(() => null);
      // Users MongoDB refused to store: the sync goes on without them and every sweep tries them again.
      const refused = { count: await store.countRefused(), latest: await store.listRefused(10) };
      const auditFeed = await feedReport(store, client, ctx.target.projectId);
      const report = {
        users,
        backfill: backfill ?? null,
        watermark: typeof reconcile?.watermarkMs === 'number' ? new Date(reconcile.watermarkMs).toISOString() : null,
        lastIncremental: reconcile?.lastIncremental ?? null,
        lastSweep: reconcile?.lastSweep ?? null,
        refused: { count: refused.count, users: refused.latest },
        auditFeed,
        failedWorkflows: failed,
      };
      print(values.json ?? false, report, () =>
        [
          `Users: ${users.live} live, ${users.deleted} deleted (tombstones)`,
          `Backfill: ${backfill ? `${String(backfill.state)}, ${String(backfill.usersSeen ?? 0)} users read` : 'never run'}`,
          `Watermark: ${report.watermark ?? 'none yet'}`,
          `Last reconcile: ${lastRun(report.lastIncremental)}`,
          `Last sweep: ${lastRun(report.lastSweep)}`,
          `Refused by MongoDB: ${refusedLine(refused.count, refused.latest)}`,
          `Audit feed: ${feedLine(auditFeed)}`,
          `Failed workflows: ${failed ?? 'unknown'}`,
        ].join('\n'),
      );
      return failed ? 1 : 0;
    } finally {
      await client.connection.close();
      await store.close();
    }
  },
};

/** One line for a reconciliation's or sweep's last run: when, and what it found (no `null`s for a person). */
export function lastRun(run: unknown): string {
  if (!run || typeof run !== 'object') return 'never';
  const { finishedAt, drift } = run as {
    finishedAt?: unknown;
    drift?: { missed?: number; stale?: number; current?: number; deleted?: number };
  };
  const at = finishedAt instanceof Date ? finishedAt.toISOString() : String(finishedAt ?? 'unknown time');
  if (!drift) return `finished ${at}`;
  return `finished ${at}: ${drift.missed ?? drift.stale ?? 0} users the webhooks had missed, ${drift.current ?? 0} already current, ${drift.deleted ?? 0} deleted`;
}

/**
 * Workflows of this deployment whose latest run failed: a failure since replayed no longer counts, and neither
 * does a failed reconciliation or sweep (each scheduled run has an id of its own) once a later run of the same
 * kind has finished: a refused sweep stops counting when a sweep gets through.
 */
async function countFailed(
  client: Client,
  taskQueue: string,
  reconcile: Record<string, unknown> | null,
): Promise<number> {
  const types = Object.values(WORKFLOW_TYPES).join("','");
  let count = 0;
  for await (const wf of stillFailed(
    client,
    `ExecutionStatus = 'Failed' AND TaskQueue = '${taskQueue}' AND WorkflowType IN ('${types}')`,
  )) {
    if (wf.type === WORKFLOW_TYPES.reconcile && (await supersededRun(client, wf, reconcile))) continue;
    count += 1;
  }
  return count;
}

/** Whether a later run of the same kind (sweep or incremental) finished after this failed run started. */
async function supersededRun(
  client: Client,
  wf: { workflowId: string; runId: string; startTime: Date },
  reconcile: Record<string, unknown> | null,
): Promise<boolean> {
  const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
  const input = payload ? (JSON.parse(Buffer.from(payload).toString('utf8')) as { mode?: string }) : {};
  const last = reconcile?.[input.mode === 'full' ? 'lastSweep' : 'lastIncremental'] as
    { finishedAt?: unknown } | undefined;
  // Written through an activity, the time may arrive as an ISO string or a Date: both parse.
  const finishedMs = last?.finishedAt ? new Date(last.finishedAt as string | Date).getTime() : NaN;
  return Number.isFinite(finishedMs) && finishedMs > wf.startTime.getTime();
}

function refusedLine(count: number, latest: RefusalRecord[]): string {
  if (count === 0) return 'none';
  const shown = latest.map((r) => `${r.userId} (${r.count}x, ${r.source}): ${r.reason.slice(0, 120)}`);
  return [`${count} users, retried by every sweep`, ...shown].join('\n  ');
}
