import { connectClient, UsageError } from '../runtime';
import { applySchedules, describeSchedules, scheduleIds } from '../temporal/schedules';
import { ensureSearchAttributes } from '../temporal/searchAttributes';
import { parseFlags, print } from './args';
import type { Connection } from '@temporalio/client';
import type { Command } from './commands';

const HELP = `descope-sync schedules <apply|pause|resume|trigger|status> [--sweep] [--json]

  apply     create or update both schedules (idempotent)
  pause     pause the incremental schedule (--sweep: the deletion sweep's)
  resume    unpause it
  trigger   run it now
  status    both schedules: paused, next and recent runs`;

export const schedulesCommand: Command = {
  summary: 'Apply, pause, resume, trigger or inspect the reconciliation schedules.',
  help: HELP,
  needsDescope: true,
  async run(ctx) {
    const [action, ...argv] = ctx.argv;
    const { values } = parseFlags(argv, { sweep: { type: 'boolean' }, json: { type: 'boolean' } });
    const client = await connectClient(ctx.config);
    try {
      const ids = scheduleIds(ctx.target.projectId);
      const handle = client.schedule.getHandle(values.sweep ? ids.sweep : ids.incremental);
      switch (action) {
        case 'apply': {
          const r = await applySchedules(client, {
            projectId: ctx.target.projectId,
            taskQueue: ctx.config.temporal.taskQueue,
            intervalMs: ctx.config.reconcile.intervalMs,
            fullSweepIntervalMs: ctx.config.reconcile.fullSweepIntervalMs,
            overlapMs: ctx.config.reconcile.overlapMs,
            maxDeleteFraction: ctx.config.reconcile.maxDeleteFraction,
            minDelete: ctx.config.reconcile.minDelete,
            includeTestUsers: ctx.config.descope.includeTestUsers,
            searchAttributes: await ensureSearchAttributes(
              client.connection as Connection,
              ctx.config.temporal.namespace,
            ),
          });
          print(
            values.json ?? false,
            r,
            () => `Created: ${r.created.join(', ') || 'none'}. Updated: ${r.updated.join(', ') || 'none'}.`,
          );
          return 0;
        }
        case 'pause':
          await handle.pause('paused with descope-sync schedules pause');
          console.log(`Paused ${handle.scheduleId}.`);
          return 0;
        case 'resume':
          await handle.unpause('resumed with descope-sync schedules resume');
          console.log(`Resumed ${handle.scheduleId}.`);
          return 0;
        case 'trigger':
          await handle.trigger();
          console.log(`Triggered ${handle.scheduleId}.`);
          return 0;
        case 'status': {
          const s = await describeSchedules(client, ctx.target.projectId);
          print(values.json ?? false, s, () => JSON.stringify(s, null, 2));
          return 0;
        }
        default:
          throw new UsageError(`unknown schedules action ${JSON.stringify(action ?? '')}\n\n${HELP}`);
      }
    } finally {
      await client.connection.close();
    }
  },
};
