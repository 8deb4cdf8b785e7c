import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { NO_FAULTS } from '../../src/emulator/http/faults';
import { WORKFLOW_TYPES, resumeSignal, workflowIds } from '../../workflows/messages';
import { count, expireFaults, sleep, type SimContext } from './steps';

const bin = join(import.meta.dirname, '../../bin/descope-sync.js');
const GUARD_FLOOR = 10;
const MAX_DELETE_FRACTION = 0.1;

/**
 * Faults off, every process up, webhooks delivered, the backfill resumed and finished; then an incremental
 * reconciliation and a full sweep through the CLI, as an operator runs them. Returns what did not go as it
 * should (a stuck workflow, a refused sweep that should have run, a CLI command that failed).
 */
export async function settle(ctx: SimContext): Promise<string[]> {
  const problems: string[] = [];
  const t0 = Date.now();
  const phase = (name: string) => ctx.options.log(`seed ${ctx.options.seed}: settle ${name} at ${Date.now() - t0} ms`);
  await quiet(ctx);
  for (const name of ctx.deployment.deadProcesses()) {
    problems.push(`processes-up: the ${name} process exited by itself`);
    await (name === 'worker' ? ctx.deployment.killWorker() : ctx.deployment.killWebhook());
  }
  await drainWebhooks(ctx);
  await ctx.deployment.client.workflow
    .getHandle(workflowIds.backfill(ctx.deployment.projectId))
    .signal(resumeSignal)
    .catch(() => {});
  const budget = ctx.options.settleTimeoutMs;
  phase('webhooks drained');
  // Reconciliation and the sweep run while retries of the fault period finish: the write rule makes any
  // interleaving safe, and the wait below covers both.
  problems.push(...(await reconcileAndSweep(ctx, budget / 2)));
  phase('reconciled and swept');
  await drainWebhooks(ctx);
  problems.push(...(await workflowsSettle(ctx, budget)));
  phase('done');
  return problems;
}

async function quiet(ctx: SimContext): Promise<void> {
  await expireFaults(ctx, true);
  const { emulator } = ctx.deployment;
  emulator.faults.set({ ...NO_FAULTS });
  emulator.rateLimits.configure(false);
  emulator.webhook.configure({ dropNext: 0, duplicateNext: 0, dropRate: 0, duplicateRate: 0, reorder: false });
  emulator.webhook.configure({ delayMs: 200 });
}

async function drainWebhooks(ctx: SimContext): Promise<void> {
  const { webhook } = ctx.deployment.emulator;
  await webhook.flush();
  for (let i = 0; i < 300 && webhook.stats().pending > 0; i++) await sleep(100);
}

/**
 * Waits until nothing runs on the task queue but the audit feed (it runs for as long as the worker is deployed);
 * names what still runs (and why, from its activities) if not.
 */
async function workflowsSettle(ctx: SimContext, timeoutMs: number): Promise<string[]> {
  const { client, taskQueue } = ctx.deployment;
  const query = `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running' AND WorkflowType != '${WORKFLOW_TYPES.auditFeed}'`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { count: running } = await client.workflow.count(query).catch(() => ({ count: -1 }));
    if (running === 0) return [];
    await sleep(250);
  }
  const stuck: string[] = [];
  for await (const wf of client.workflow.list({ query })) {
    const description = await client.workflow.getHandle(wf.workflowId, wf.runId).describe();
    const pending = description.raw.pendingActivities ?? [];
    const why = pending
      .map((a) => `${a.activityType?.name} attempt ${a.attempt}: ${a.lastFailure?.message ?? 'no failure yet'}`)
      .join('; ');
    stuck.push(`settles: ${wf.type} ${wf.workflowId} still running after ${timeoutMs} ms (${why || 'no activity'})`);
    if (stuck.length >= 5) break;
  }
  return stuck.length ? stuck : [`settles: workflows still running after ${timeoutMs} ms`];
}

/**
 * `reconcile --wait` then `reconcile --full --wait`. A sweep the deletion guard refuses is judged: refusing
 * to delete no more than the guard's floor (or its fraction) of stored users is a bug; then it runs forced.
 */
async function reconcileAndSweep(ctx: SimContext, timeoutMs: number): Promise<string[]> {
  const problems: string[] = [];
  const incremental = await runCli(ctx, ['reconcile', '--wait', '--json'], timeoutMs);
  if (incremental.timedOut) count(ctx, 'settle/reconcileOutwaited');
  else if (incremental.code !== 0) problems.push(`reconcile: exit ${incremental.code}: ${tail(incremental.stderr)}`);
  const due = await dueDeletions(ctx);
  const sweep = await runCli(ctx, ['reconcile', '--full', '--wait', '--json'], timeoutMs);
  // A command outwaited is not a failure: its workflow runs on, and the final settle waits for it (a refusal
  // then shows among the failed workflows).
  if (sweep.timedOut) count(ctx, 'settle/sweepOutwaited');
  if (sweep.code === 0 || sweep.timedOut) return problems;
  const refused = /Mass-deletion guard/i.test(sweep.stderr + sweep.stdout);
  if (!refused) problems.push(`sweep: exit ${sweep.code}: ${tail(sweep.stderr)}`);
  else {
    count(ctx, 'settle/guardRefused');
    const allowed = Math.max(GUARD_FLOOR, Math.floor(due.live * MAX_DELETE_FRACTION));
    if (due.deleted <= allowed) {
      problems.push(
        `sweep-guard: refused a sweep with ${due.deleted} users to delete of ${due.live} stored (allowed ${allowed}): ${tail(sweep.stderr)}`,
      );
    }
    const forced = await runCli(ctx, ['reconcile', '--full', '--force', '--wait', '--json'], timeoutMs);
    if (forced.code !== 0 && !forced.timedOut)
      problems.push(`sweep --force: exit ${forced.code}: ${tail(forced.stderr)}`);
  }
  return problems;
}

/** Stored live users (test users aside) that Descope no longer has: what the sweep is due to tombstone. */
async function dueDeletions(ctx: SimContext): Promise<{ deleted: number; live: number }> {
  const { store, emulator } = ctx.deployment;
  const live = await store.users.find({ '_sync.deleted': false }, { projection: { userId: 1 } }).toArray();
  const ids = new Set(emulator.users.all().map((u) => u.userId));
  const deleted = live.filter((d) => !ids.has(d.userId) && !ctx.testIds.has(d.userId)).length;
  return { deleted, live: live.length };
}

interface CliResult {
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** A `descope-sync` command as its own process with the deployment's environment; killed after `timeoutMs`. */
function runCli(ctx: SimContext, args: string[], timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...ctx.deployment.env, LOG_LEVEL: 'error' },
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

const tail = (text: string) => text.trim().split('\n').slice(-3).join(' | ').slice(0, 500);
