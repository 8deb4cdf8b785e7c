import { WorkflowNotFoundError, type Client, type Connection } from '@temporalio/client';
import {
  DEFAULT_LANES,
  MAX_LANES,
  WORKFLOW_TYPES,
  pauseSignal,
  progressQuery,
  resumeSignal,
  stateId,
  workflowIds,
  type BackfillInput,
} from '../../workflows/messages';
import { connectClient, connectStore, UsageError } from '../runtime';
import { ensureSearchAttributes, searchAttributesFor } from '../temporal/searchAttributes';
import { parseFlags, print } from './args';
import { renderProgress, resultUnlessStopped, writeProgress } from './progress';
import type { Command, CommandContext } from './commands';

const HELP = `descope-sync backfill <start|pause|resume|cancel|status> [options]

  start    [--page-size N] [--lanes N] [--created-from T] [--created-to T] [--include-test-users] [--wait]
           --lanes: pages in flight at once over disjoint creation-time slices (1-${MAX_LANES}, default ${DEFAULT_LANES})
           while one runs: attaches to it; with options, exits 1 (they would not apply)
  pause    stop sending requests to Descope after the current page
  resume   continue a paused backfill
  cancel   stop cleanly after the current page
  status   [--watch] [--json]   progress from the workflow, or the last run's record in MongoDB
Workflow id: descope-backfill-<projectId>. T is epoch ms or an ISO date.`;

export const backfillCommand: Command = {
  summary: 'Start, pause, resume, cancel or watch the initial backfill.',
  help: HELP,
  needsDescope: true,
  async run(ctx) {
    const [action, ...argv] = ctx.argv;
    const client = await connectClient(ctx.config);
    try {
      const handle = client.workflow.getHandle(workflowIds.backfill(ctx.target.projectId));
      switch (action) {
        case 'start':
          return await start(ctx, argv, client);
        case 'pause':
          await handle.signal(pauseSignal);
          console.log(`Paused ${handle.workflowId}.`);
          return 0;
        case 'resume':
          await handle.signal(resumeSignal);
          console.log(`Resumed ${handle.workflowId}.`);
          return 0;
        case 'cancel':
          await handle.cancel();
          console.log(`Cancellation requested for ${handle.workflowId}; it stops after the current page.`);
          return 0;
        case 'status':
          return await status(ctx, argv, client);
        default:
          throw new UsageError(`unknown backfill action ${JSON.stringify(action ?? '')}\n\n${HELP}`);
      }
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw new UsageError(
          `No backfill found for project ${ctx.target.projectId}: start one with \`descope-sync backfill start\`.`,
        );
      }
      throw error;
    } finally {
      await client.connection.close();
    }
  },
};

async function start(ctx: CommandContext, argv: string[], client: Client): Promise<number> {
  const { values } = parseFlags(argv, {
    'page-size': { type: 'string' },
    lanes: { type: 'string' },
    'created-from': { type: 'string' },
    'created-to': { type: 'string' },
    'include-test-users': { type: 'boolean' },
    wait: { type: 'boolean' },
  });
  const input: BackfillInput = {};
  if (values['page-size'] !== undefined) input.pageSize = integerFlag('page-size', values['page-size'], 1, 100);
  if (values.lanes !== undefined) input.lanes = integerFlag('lanes', values.lanes, 1, MAX_LANES);
  if (values['created-from']) input.createdFrom = values['created-from'];
  if (values['created-to']) input.createdTo = values['created-to'];
  if (values['include-test-users'] || ctx.config.descope.includeTestUsers) input.includeTestUsers = true;
  const running = await runningBackfill(client, workflowIds.backfill(ctx.target.projectId));
  if (running) {
    // One backfill per project: a second start attaches to the running one, which keeps its own options.
    const given = ['page-size', 'lanes', 'created-from', 'created-to', 'include-test-users'].filter(
      (flag) => values[flag as keyof typeof values] !== undefined,
    );
    const what = `A backfill is already running for this project (${running.workflowId}, started ${running.startTime.toISOString()})`;
    if (given.length > 0) {
      console.error(
        `${what}; it keeps the options it started with, so ${given.map((f) => `--${f}`).join(', ')} would not apply. ` +
          'Wait for it to finish, or stop it with `descope-sync backfill cancel`, then start again.',
      );
      return 1;
    }
    console.log(`${what}; attached to it (run ${running.runId}).`);
  }
  const searchAttributes = await ensureSearchAttributes(client.connection as Connection, ctx.config.temporal.namespace);
  const handle = await client.workflow.start(WORKFLOW_TYPES.backfill, {
    taskQueue: ctx.config.temporal.taskQueue,
    workflowId: workflowIds.backfill(ctx.target.projectId),
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    ...searchAttributesFor(searchAttributes, 'backfill', ctx.target.projectId),
  });
  if (!running) console.log(`Backfill ${handle.workflowId} running (run ${handle.firstExecutionRunId}).`);
  if (values.wait) {
    const result = await resultUnlessStopped(
      handle.result(),
      ctx.signal,
      handle.workflowId,
      'descope-sync backfill status --watch',
    );
    if (!result) return 130;
    console.log(`Backfill completed: ${result.totals.seen} users read, ${result.pages} pages.`);
  }
  return 0;
}

/** The project's backfill when one is running; null when none is (never started, or finished). */
async function runningBackfill(client: Client, workflowId: string) {
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    return description.status.name === 'RUNNING' ? description : null;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
}

async function status(ctx: CommandContext, argv: string[], client: Client): Promise<number> {
  const { values } = parseFlags(argv, { watch: { type: 'boolean' }, json: { type: 'boolean' } });
  const handle = client.workflow.getHandle(workflowIds.backfill(ctx.target.projectId));
  for (;;) {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') {
      const store = await connectStore(ctx.config);
      const record = await store.getState(stateId('backfill', handle.workflowId));
      await store.close();
      print(
        values.json ?? false,
        { status: description.status.name, record },
        () => `Backfill ${description.status.name.toLowerCase()}: ${JSON.stringify(record ?? {}, null, 2)}`,
      );
      return description.status.name === 'COMPLETED' ? 0 : 1;
    }
    const progress = await handle.query(progressQuery);
    if (!values.watch) {
      print(values.json ?? false, progress, () => renderProgress(progress, false));
      return 0;
    }
    writeProgress(values.json ? JSON.stringify(progress) : renderProgress(progress, process.stdout.isTTY));
    if (ctx.signal.aborted) return 130;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function integerFlag(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}
