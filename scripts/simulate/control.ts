import { WORKFLOW_TYPES, pauseSignal, resumeSignal, workflowIds } from '../../workflows/messages';
import { scheduleIds } from '../../src/temporal/schedules';
import { count, type SimContext } from './steps';

/**
 * What an operator does: start a backfill, pause and resume it, trigger the schedules. Each goes through the
 * same Temporal calls as the CLI; a signal to a backfill that is not running is a no-op here, as it is there.
 */
export async function controlStep(ctx: SimContext): Promise<string> {
  const { prng, deployment } = ctx;
  const client = deployment.client;
  const backfill = client.workflow.getHandle(workflowIds.backfill(deployment.projectId));
  const ids = scheduleIds(deployment.projectId);
  const action = prng.pick(['backfill', 'pause', 'pause', 'resume', 'resume', 'reconcile', 'sweep']);
  count(ctx, `control/${action}`);
  try {
    switch (action) {
      case 'backfill':
        return await startBackfill(ctx);
      case 'pause':
        await backfill.signal(pauseSignal);
        return 'pause the backfill';
      case 'resume':
        await backfill.signal(resumeSignal);
        return 'resume the backfill';
      case 'reconcile':
        await client.schedule.getHandle(ids.incremental).trigger();
        return 'trigger the reconciliation schedule';
      default:
        await client.schedule.getHandle(ids.sweep).trigger();
        return 'trigger the sweep schedule';
    }
  } catch (error) {
    return `${action}: ${(error as Error).message.split('\n')[0]}`;
  }
}

export async function startBackfill(ctx: SimContext): Promise<string> {
  const { prng, deployment } = ctx;
  const input = { lanes: prng.int(1, 8), pageSize: prng.pick([20, 50, 100]) };
  const handle = await deployment.client.workflow.start(WORKFLOW_TYPES.backfill, {
    taskQueue: deployment.taskQueue,
    workflowId: workflowIds.backfill(deployment.projectId),
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return `backfill start ${JSON.stringify(input)} (run ${handle.firstExecutionRunId.slice(0, 8)})`;
}
