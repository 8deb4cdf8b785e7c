import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { WorkflowFailedError, type ScheduleSummary } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createDescopeApi } from '../../src/descope/api';
import { createWorkers } from '../../src/temporal/worker';
import { commands } from '../../src/cli/commands';
import { scheduleIds } from '../../src/temporal/schedules';
import {
  WORKFLOW_TYPES,
  progressQuery,
  workflowIds,
  type ReconcileResult,
  type ScanProgress,
} from '../../workflows/messages';
import { jsonOf, runCli, stackEnv } from '../fixtures/cli';
import { startStack, storedLiveUsers, waitUntil, type Stack } from '../fixtures/stack';
import { killed, spawnWorker } from '../fixtures/workerProcess';

const cliBin = join(import.meta.dirname, '../../bin/descope-sync.js');
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** Settings that pass validation without any server behind them: for failures that happen before connecting. */
const offline = () => ({
  DESCOPE_PROJECT_ID: 'P2offline',
  DESCOPE_MANAGEMENT_KEY: 'K2offline',
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  LOG_LEVEL: 'error',
});

describe('CLI usage and exit codes', () => {
  it.each(['frobnicate', 'toString'])(
    'the unknown command %s exits 2, names it and prints the usage',
    async (name) => {
      const r = await runCli(undefined, [name], offline());
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`unknown command "${name}"`);
      expect(r.stderr).toMatch(/Usage: descope-sync <command>/);
      expect(r.stdout).toBe('');
    },
    120_000,
  );

  it('--help on every command prints its help and exits 0', async () => {
    const names = Object.keys(commands);
    const results = await inBatches(names, (name) => runCli(undefined, [name, '--help'], offline()));
    for (const [i, r] of results.entries()) {
      expect({ command: names[i], code: r.code, stderr: r.stderr }).toEqual({
        command: names[i],
        code: 0,
        stderr: '',
      });
      expect(r.stdout.trim().length, names[i]).toBeGreaterThan(0);
    }
    const usage = await runCli(undefined, ['--help']);
    expect(usage.code).toBe(0);
    for (const name of names) expect(usage.stdout).toContain(name);
  }, 400_000);

  it.each([
    [['reconcile', '--bogus'], /Unknown option '--bogus'/],
    [['reconcile', '--force'], /--force only applies to --full/],
    [['schedules', 'status', '--sweeep'], /Unknown option '--sweeep'/],
    [['replay', '--since', 'yesterday'], /--since: expected a duration such as 24h or an ISO date/],
    [['backfill', 'rewind'], /unknown backfill action "rewind"/],
    [['backfill', 'start', '--lanes', '0'], /--lanes must be a whole number from 1 to 16, got "0"/],
    [['backfill', 'start', '--page-size', '1e2x'], /--page-size must be a whole number from 1 to 100, got "1e2x"/],
  ])(
    '%j exits 2 with a message saying what is wrong',
    async (args, message) => {
      const r = await runCli(undefined, args, offline());
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    },
    120_000,
  );

  it('every command that talks to Descope exits 2 naming DESCOPE_PROJECT_ID and DESCOPE_MANAGEMENT_KEY when unset', async () => {
    const names = Object.entries(commands)
      .filter(([, c]) => c.needsDescope)
      .map(([name]) => name);
    expect(names).toEqual(expect.arrayContaining(['backfill', 'reconcile', 'replay', 'schedules', 'status', 'worker']));
    const unset = { ...offline(), DESCOPE_PROJECT_ID: '', DESCOPE_MANAGEMENT_KEY: '' };
    const results = await inBatches(names, (name) => runCli(undefined, [name], unset));
    for (const [i, r] of results.entries()) {
      expect({ command: names[i], code: r.code }).toEqual({ command: names[i], code: 2 });
      expect(r.stderr).toMatch(/DESCOPE_PROJECT_ID and DESCOPE_MANAGEMENT_KEY/);
    }
    const half = await runCli(undefined, ['status'], { ...offline(), DESCOPE_MANAGEMENT_KEY: '' });
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/DESCOPE_PROJECT_ID and DESCOPE_MANAGEMENT_KEY: set both/);
  }, 300_000);
});

describe('descope-sync backfill', () => {
  it('starts, pauses (no Descope traffic), resumes, watches to completion, and status shows the users stored', async () => {
    // Slow enough (200 pages of 10 over 2 lanes, each at least 80 ms) that pausing lands mid-run even on a
    // loaded machine.
    const userCount = 2000;
    stack = await startStack({ emulator: { seed: 71, userCount, testUserCount: 3 } });
    const s = stack;
    const none = await runCli(s, ['backfill', 'status']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/No backfill found for project .*backfill start/);

    await s.startWorker();
    s.emulator.faults.set({ latencyMs: 80 });
    const started = await runCli(s, ['backfill', 'start', '--page-size', '10', '--lanes', '2']);
    expect(started.code).toBe(0);
    const workflowId = workflowIds.backfill(s.projectId);
    expect(workflowId).toBe(`descope-backfill-${s.projectId}`);
    expect(started.stdout).toContain(workflowId);
    const handle = s.client.workflow.getHandle(workflowId);
    expect((await handle.describe()).type).toBe(WORKFLOW_TYPES.backfill);
    await waitUntil('a few pages', async () => (await handle.query(progressQuery)).pages >= 3);

    expect((await runCli(s, ['backfill', 'pause'])).code).toBe(0);
    // Paused, and the page in flight when the signal arrived has been written: nothing is left in Descope's hands.
    // The emulator counts a search when it answers, so a page still in flight in the other lane shows up only
    // later: the counts must agree, and still agree after longer than a search takes.
    const settled = async () => {
      const p = await handle.query(progressQuery);
      return p.state === 'paused' && p.requests === s.emulator.counters.total('search') && p;
    };
    await waitUntil('paused, counts agreeing', settled);
    await new Promise((r) => setTimeout(r, 1000));
    const paused = await waitUntil('paused with no page in flight', settled);
    // A second start while it runs: with options it refuses (they would not apply); without, it attaches.
    const conflicting = await runCli(s, ['backfill', 'start', '--lanes', '4']);
    expect(conflicting.code).toBe(1);
    expect(conflicting.stderr).toMatch(/already running .*--lanes would not apply.*backfill cancel/);
    const attached = await runCli(s, ['backfill', 'start']);
    expect(attached.code).toBe(0);
    expect(attached.stdout).toMatch(/already running .*attached to it/);
    const status = await runCli(s, ['backfill', 'status', '--json']);
    expect(status.code).toBe(0);
    const reported = jsonOf<ScanProgress>(status);
    expect(reported).toMatchObject({ state: 'paused', pages: paused.pages });
    expect(reported.totals.seen).toBeLessThan(userCount);
    // The status command itself took a second or more: not one search request reached Descope meanwhile.
    expect(s.emulator.counters.total('search')).toBe(paused.requests);
    expect((await handle.query(progressQuery)).pages).toBe(paused.pages);

    expect((await runCli(s, ['backfill', 'resume'])).code).toBe(0);
    const [watched, onTerminal] = await Promise.all([
      runCli(s, ['backfill', 'status', '--watch'], {}, 180_000),
      runCli(s, ['backfill', 'status', '--watch'], {}, 180_000, { tty: true }),
    ]);
    expect(watched.code).toBe(0);
    expect(onTerminal.code).toBe(0);
    // On a terminal: one bar redrawn in place (carriage return, erase line) with percent, rate and ETA.
    const redraws = onTerminal.stdout.split('\r\x1b[2K').slice(1);
    expect(redraws.length).toBeGreaterThanOrEqual(2);
    for (const frame of redraws.slice(0, -1)) {
      const match =
        /^\[[#-]{30}\] \d{1,3}% (running|paused) \d+\/(\d+) users, \d+ pages, [\d.]+ users\/s, ETA \S+/.exec(frame);
      expect(match, frame).not.toBeNull();
      // Descope's totals per lane, with a guess for slices not read yet: close to the real count.
      expect(Math.abs(Number(match![2]) - userCount), frame).toBeLessThanOrEqual(userCount / 10);
    }
    expect(onTerminal.stdout).toMatch(/Backfill completed: /);
    // Not a terminal: plain lines, no bar redrawn in place.
    expect(watched.stdout).not.toContain('\r');
    expect(watched.stdout).not.toContain('\x1b[');
    expect(watched.stdout).toMatch(/^running \d+\/\d+ users, \d+ pages, [\d.]+ users\/s, ETA \S+$/m);
    expect(watched.stdout).toMatch(/^Backfill completed: /m);

    const overall = await runCli(s, ['status', '--json']);
    expect(overall.code).toBe(0);
    expect(jsonOf(overall)).toMatchObject({
      users: { live: userCount, deleted: 0 },
      backfill: { state: 'completed', usersSeen: userCount },
      failedWorkflows: 0,
    });
    expect((await storedLiveUsers(s.store)).size).toBe(userCount);
  }, 300_000);
});

describe('descope-sync schedules', () => {
  it('apply creates both schedules, applying again updates them in place, and pause/resume/trigger/status work', async () => {
    stack = await startStack({ emulator: { seed: 72, userCount: 50, testUserCount: 0 } });
    const s = stack;
    const ids = scheduleIds(s.projectId);
    const ours = async () => {
      const found: ScheduleSummary[] = [];
      for await (const schedule of s.client.schedule.list()) {
        if (schedule.scheduleId === ids.incremental || schedule.scheduleId === ids.sweep) found.push(schedule);
      }
      return found.map((f) => f.scheduleId).sort();
    };
    try {
      await s.startWorker();
      // A schedule also fires on its own, on the interval's boundaries (every 15 minutes by default): one that
      // fell between `resume` and `status` made a second recent action (CI, 10:30:00Z). A year's interval keeps
      // the only action in this test the one `trigger` asked for.
      const quiet = { RECONCILE_INTERVAL: '365d', FULL_SWEEP_INTERVAL: '365d' };
      const first = await runCli(s, ['schedules', 'apply', '--json'], quiet);
      expect(first.code).toBe(0);
      expect(jsonOf(first)).toEqual({ created: [ids.incremental, ids.sweep], updated: [] });
      const second = await runCli(s, ['schedules', 'apply', '--json'], quiet);
      expect(second.code).toBe(0);
      expect(jsonOf(second)).toEqual({ created: [], updated: [ids.incremental, ids.sweep] });
      // Schedule listing is eventually consistent; what matters is that there are exactly two, not four.
      const listed = await waitUntil('both schedules listed', async () => {
        const found = await ours();
        return found.length === 2 && found;
      });
      expect(listed).toEqual([ids.incremental, ids.sweep].sort());

      expect((await runCli(s, ['schedules', 'pause'])).code).toBe(0);
      let state = jsonOf<Record<string, { paused: boolean }>>(await runCli(s, ['schedules', 'status', '--json']));
      expect(state).toMatchObject({ incremental: { id: ids.incremental, paused: true }, sweep: { paused: false } });
      expect((await runCli(s, ['schedules', 'pause', '--sweep'])).code).toBe(0);
      expect((await runCli(s, ['schedules', 'resume'])).code).toBe(0);
      state = jsonOf(await runCli(s, ['schedules', 'status', '--json']));
      expect(state).toMatchObject({ incremental: { paused: false }, sweep: { paused: true } });

      expect((await runCli(s, ['schedules', 'trigger'])).code).toBe(0);
      const action = await waitUntil('the triggered run', async () => {
        const d = await s.client.schedule.getHandle(ids.incremental).describe();
        return d.info.recentActions[0]?.action.workflow;
      });
      const run = s.client.workflow.getHandle(action.workflowId, action.firstExecutionRunId);
      const result = (await run.result()) as ReconcileResult;
      expect(result.mode).toBe('incremental');
      const status = await runCli(s, ['schedules', 'status', '--json']);
      expect(status.code).toBe(0);
      expect(jsonOf(status)).toMatchObject({
        incremental: { recentActions: [{ workflowId: action.workflowId }], runningActions: 0 },
        sweep: { paused: true, nextActionTimes: [expect.any(String)] },
      });
    } finally {
      // The Temporal server outlives this test file: leave no schedule behind.
      for (const id of [ids.incremental, ids.sweep]) {
        await s.client.schedule
          .getHandle(id)
          .delete()
          .catch(() => {});
      }
    }
  }, 300_000);
});

describe('descope-sync reconcile', () => {
  it('--wait prints the drift, and --full --wait --json returns the sweep result as JSON', async () => {
    stack = await startStack({ emulator: { seed: 73, userCount: 300, testUserCount: 0 } });
    const s = stack;
    await s.startWorker();
    await s.client.workflow.execute(WORKFLOW_TYPES.backfill, {
      taskQueue: s.taskQueue,
      workflowId: workflowIds.backfill(s.projectId),
      args: [{}],
    });
    const users = s.emulator.users.all();
    // Changed while no webhook was listening: only reconciliation can notice.
    for (const u of users.slice(0, 7)) s.emulator.users.update(u.userId, { name: `Renamed ${u.userId}` });

    const incremental = await runCli(s, ['reconcile', '--wait']);
    expect(incremental.code).toBe(0);
    expect(incremental.stdout).toMatch(/^Reconciliation \(incremental\) completed: 7 users read/m);
    expect(incremental.stdout).toMatch(/already current: 0; missed by the webhooks, now fixed: 7; deleted: 0/);
    expect(incremental.stdout).toMatch(/watermark: \d{4}-\d\d-\d\dT/);
    expect((await s.store.getUser(users[0]!.userId))?.user.name).toBe(`Renamed ${users[0]!.userId}`);

    s.emulator.users.delete(users[10]!.userId);
    const full = await runCli(s, ['reconcile', '--full', '--wait', '--json']);
    expect(full.code).toBe(0);
    const result = jsonOf<ReconcileResult>(full);
    expect(result).toMatchObject({ mode: 'full', drift: { current: 299, missed: 0, stale: 0, deleted: 1 } });
    expect(result.totals.seen).toBe(299);
    expect(await s.store.countUsers()).toEqual({ live: 299, deleted: 1 });

    const started = await runCli(s, ['reconcile']);
    expect(started.code).toBe(0);
    const workflowId = /^Started (\S+)\.$/m.exec(started.stdout)?.[1];
    expect(workflowId).toMatch(new RegExp(`^descope-reconcile-${s.projectId}-manual-incremental-`));
    await s.client.workflow.getHandle(workflowId!).result();
  }, 300_000);
});

describe('Ctrl-C while a command waits for a workflow', () => {
  it.each([
    [['reconcile', '--wait'], 'descope-reconcile-'],
    [['backfill', 'start', '--wait'], 'descope-backfill-'],
  ])(
    '%j stops waiting at once (exit 130) and says the workflow goes on',
    async (args, prefix) => {
      stack = await startStack({ emulator: { seed: 74, userCount: 5, testUserCount: 0 } });
      // No worker polls this task queue: the workflow never finishes, so only Ctrl-C ends the wait.
      const env = {
        ...stackEnv(stack),
        TEMPORAL_TASK_QUEUE: `nobody-${stack.taskQueue}`,
        DESCOPE_SYNC_DEMO_STATE: '/nonexistent',
      };
      const child = spawn(process.execPath, [cliBin, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...env },
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        // Waiting: the workflow exists.
        await waitUntil(
          'the workflow to start',
          async () => {
            for await (const w of stack!.client.workflow.list({ query: `TaskQueue = "nobody-${stack!.taskQueue}"` }))
              if (w.workflowId.startsWith(prefix)) return true;
            return undefined;
          },
          30_000,
          250,
        );
        await new Promise((r) => setTimeout(r, 500));
        const t0 = Date.now();
        child.kill('SIGINT');
        expect(await exited).toBe(130);
        expect(Date.now() - t0).toBeLessThan(5_000);
        expect(stderr).toMatch(new RegExp(`Stopped waiting; ${prefix}\\S+ keeps running`));
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
    120_000,
  );
});

describe('descope-sync replay', () => {
  it('re-drives an event workflow that failed on bad credentials, once, and leaves other task queues alone', async () => {
    stack = await startStack({ emulator: { seed: 74, userCount: 20, testUserCount: 0 } });
    const s = stack;
    const [user, otherUser] = s.emulator.users.all();
    const failedRun = async (taskQueue: string, eventId: string, userId: string) => {
      const handle = await s.client.workflow.start(WORKFLOW_TYPES.applyEvent, {
        taskQueue,
        workflowId: workflowIds.event(eventId),
        args: [{ eventId, action: 'UserModified', userId }],
      });
      // DescopeAuthError is not retried: the workflow fails at once, as it would with a revoked key.
      await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
      await waitUntil('the failure to be visible', async () => {
        for await (const wf of s.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) {
          if (wf.status.name === 'FAILED') return true;
        }
        return false;
      });
      return handle;
    };

    // Another deployment sharing the namespace, on its own task queue, with a failure of its own.
    const stopOther = await badCredentialsWorker(s, `${s.taskQueue}-other`);
    const other = await failedRun(`${s.taskQueue}-other`, `cli-replay-other-${s.projectId}`, otherUser!.userId);
    await stopOther();

    await s.startWorker();
    // The next user load answers 401, as Descope does for a management key revoked and then restored.
    s.emulator.faults.set({ failNext: 1, errorStatuses: [401], endpoints: ['load', 'loadUsers'] });
    const failed = await failedRun(s.taskQueue, `cli-replay-${s.projectId}`, user!.userId);
    const workflowId = failed.workflowId;
    const failing = await runCli(s, ['status', '--json']);
    expect(failing.code).toBe(1); // monitoring can alert on the exit code alone
    expect(jsonOf(failing)).toMatchObject({ failedWorkflows: 1 });

    const dry = await runCli(s, ['replay', '--since', '1h', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(jsonOf(dry)).toEqual([{ workflowId, runId: failed.firstExecutionRunId }]);
    expect((await failed.describe()).status.name).toBe('FAILED');

    const replayed = await runCli(s, ['replay', '--since', '1h', '--json']);
    expect(replayed.code).toBe(0);
    const entries = jsonOf<{ workflowId: string; runId: string; newRunId: string }[]>(replayed);
    expect(entries).toEqual([{ workflowId, runId: failed.firstExecutionRunId, newRunId: expect.any(String) }]);
    const outcome: unknown = await s.client.workflow.getHandle(workflowId, entries[0]!.newRunId).result();
    expect(outcome).toBe('applied');
    expect((await s.store.getUser(user!.userId))?.user).toEqual(s.emulator.users.get(user!.userId));

    // The reset run stays Failed in visibility: a second replay must not re-drive an event that succeeded since.
    const again = await runCli(s, ['replay', '--since', '1h', '--json']);
    expect(again.code).toBe(0);
    expect(jsonOf(again)).toEqual([]);
    const overall = await runCli(s, ['status', '--json']);
    expect(overall.code).toBe(0);
    expect(jsonOf(overall)).toMatchObject({ failedWorkflows: 0 });
    const untouched = await s.client.workflow.getHandle(other.workflowId).describe();
    expect({ runId: untouched.runId, status: untouched.status.name }).toEqual({
      runId: other.firstExecutionRunId,
      status: 'FAILED',
    });
  }, 300_000);
});

describe('descope-sync worker', () => {
  it("serves the product's Prometheus metrics on METRICS_PORT and Temporal's own on TEMPORAL_METRICS_PORT", async () => {
    stack = await startStack({ emulator: { seed: 75, userCount: 200, testUserCount: 0 } });
    const s = stack;
    const [port, temporalPort] = [await freePort(), await freePort()];
    const worker = spawnWorker(s, { METRICS_PORT: String(port), TEMPORAL_METRICS_PORT: String(temporalPort) });
    try {
      const scrape = (p: number) => fetch(`http://127.0.0.1:${p}/metrics`).then((r) => r.text());
      await waitUntil('/metrics', () => scrape(port), 120_000);
      await s.client.workflow.execute(WORKFLOW_TYPES.backfill, {
        taskQueue: s.taskQueue,
        workflowId: workflowIds.backfill(s.projectId),
        args: [{ pageSize: 50 }],
      });
      const product = await scrape(port);
      expect(sumOf(product, 'descope_sync_pages_total')).toBeGreaterThanOrEqual(4);
      expect(sumOf(product, 'descope_sync_user_writes_total')).toBeGreaterThanOrEqual(200);
      // The SDK's exporter refreshes on its own schedule: wait for the completed workflow to show up.
      await waitUntil('temporal_workflow_completed', async () => {
        const temporal = await scrape(temporalPort);
        return samplesOf(temporal, 'temporal_workflow_completed').some((v) => v > 0);
      });
      expect(samplesOf(await scrape(temporalPort), 'temporal_num_pollers').length).toBeGreaterThan(0);
    } finally {
      await killed(worker);
    }
  }, 300_000);
});

/**
 * Each CLI process loads the whole product through tsx (seconds of CPU); two at a time keeps a loaded two-core
 * machine responsive without making the suite sequential.
 */
async function inBatches<T, R>(items: T[], fn: (item: T) => Promise<R>, size = 2): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

/** A worker set on its own task queue whose Descope calls use a wrong management key: every load fails with 401. */
async function badCredentialsWorker(s: Stack, taskQueue: string): Promise<() => Promise<void>> {
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const workers = await createWorkers({
    connection,
    namespace: 'default',
    taskQueue,
    searchRpm: 60_000,
    loadRpm: 60_000,
    deps: {
      descope: createDescopeApi({
        projectId: s.projectId,
        managementKey: 'K2wrong',
        baseUrl: s.emulator.url,
        timeoutMs: 10_000,
      }),
      store: s.store,
      projectId: s.projectId,
    },
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  const running = Promise.all(workers.map((w) => w.run()));
  return async () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await running;
    await connection.close();
  };
}

/** A metric's sample values over all its label sets, from a Prometheus text exposition. */
function samplesOf(exposition: string, metric: string): number[] {
  return exposition
    .split('\n')
    .filter((line) => line.startsWith(`${metric}{`) || line.startsWith(`${metric} `))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
}

function sumOf(exposition: string, metric: string): number {
  const samples = samplesOf(exposition, metric);
  expect(samples.length, `${metric} in /metrics`).toBeGreaterThan(0);
  return samples.reduce((a, b) => a + b, 0);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
