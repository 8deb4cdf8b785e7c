import { RECONCILE_STATE_ID, WORKFLOW_TYPES, stateId, workflowIds } from '../../workflows/messages';
import { connectClient, connectStore } from '../runtime';
import { parseFlags, print } from './args';
import { stillFailed } from './reconcile';
import type { Client } from '@temporalio/client';
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
      const failed = await countFailed(client, ctx.config.temporal.taskQueue).catch(() => null);
      const report = {
        users,
        backfill: backfill ?? null,
        watermark: typeof reconcile?.watermarkMs === 'number' ? new Date(reconcile.watermarkMs).toISOString() : null,
        lastIncremental: reconcile?.lastIncremental ?? null,
        lastSweep: reconcile?.lastSweep ?? null,
        failedWorkflows: failed,
      };
      print(values.json ?? false, report, () =>
        [
          `Users: ${users.live} live, ${users.deleted} deleted (tombstones)`,
          `Backfill: ${backfill ? `${String(backfill.state)}, ${String(backfill.usersSeen ?? 0)} users read` : 'never run'}`,
          `Watermark: ${report.watermark ?? 'none yet'}`,
          `Last reconcile: ${JSON.stringify(report.lastIncremental)}`,
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

/** Workflows of this deployment whose latest run failed: a failure since replayed no longer counts. */
async function countFailed(client: Client, taskQueue: string): Promise<number> {
  const types = Object.values(WORKFLOW_TYPES).join("','");
  let count = 0;
  for await (const _ of stillFailed(
    client,
    `ExecutionStatus = 'Failed' AND TaskQueue = '${taskQueue}' AND WorkflowType IN ('${types}')`,
  )) {
    count += 1;
  }
  return count;
}
