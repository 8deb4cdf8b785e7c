import { afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { WORKFLOW_TYPES, progressQuery, workflowIds, type ScanResult } from '../../workflows/messages';
import {
  countDifferences,
  waitForWorkflowsToSettle,
  expectExactCopy,
  startStack,
  waitUntil,
  type Stack,
} from '../fixtures/stack';
import { killed, spawnWorker } from '../fixtures/workerProcess';
import { recordReliability } from '../fixtures/reliability';
import { startStackWebhook, type RunningWebhook } from '../fixtures/webhook';
import { createPrng } from '../../src/emulator/prng';

let stack: Stack | undefined;
let webhook: RunningWebhook | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) await killed(child);
  await webhook?.close();
  webhook = undefined;
  await stack?.close();
  stack = undefined;
});

describe('backfill under failures', () => {
  it('survives its worker being SIGKILLed three times at random points while webhooks stream in; resumes, never starts over', async () => {
    stack = await startStack({ emulator: { seed: 61, userCount: 2000, testUserCount: 0 } });
    stack.emulator.faults.set({ latencyMs: 40 });
    webhook = await startStackWebhook(stack, {
      delayMs: 50,
    });
    // The webhook stream is the event source here: the audit feed off, so the searches counted below are the
    // backfill's and the webhook path's only (the feed reporting the same changes has tests of its own).
    const noFeed = { AUDIT_FEED_INTERVAL: '0' };
    let worker = spawnWorker(stack, noFeed);
    children.push(worker);
    const handle = await stack.client.workflow.start(WORKFLOW_TYPES.backfill, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIds.backfill(stack.projectId),
      args: [{ pageSize: 20, lanes: 2 }],
    });
    const users = stack.emulator.users.all();
    // Seeded kill points: a failing run reproduces with the same seed.
    const killPoints = seededRandom(61);
    const deleted: string[] = [];
    let target = 0;
    for (let kill = 0; kill < 3; kill++) {
      target += 10 + Math.floor(killPoints() * 15);
      await waitUntil(`page ${target}`, async () => (await handle.query(progressQuery)).pages >= target, 120_000);
      // A stream of changes, delivered by webhook to whichever worker is alive.
      for (const u of users.slice(kill * 10, kill * 10 + 8))
        stack.emulator.users.update(u.userId, { middleName: `k${kill}` });
      const doomed = users[1000 + kill]!.userId;
      stack.emulator.users.delete(doomed);
      deleted.push(doomed);
      await killed(worker);
      worker = spawnWorker(stack, noFeed);
      children.push(worker);
    }
    const result: ScanResult = await handle.result();
    await stack.emulator.webhook.flush();
    await waitForWorkflowsToSettle(stack);
    const lost = await countDifferences(stack, deleted);
    // Searches answered: the backfill's pages, and the event path's confirmations of absence (by user ids).
    const answered = stack.emulator.counters.log('search').filter((e) => e.status === 200);
    const confirms = answered.filter((e) => e.kind === 'userIds').length;
    const repeated = answered.length - confirms - result.requests;
    recordReliability({
      fault: 'Worker SIGKILLed 3 times at random points (backfill + webhook stream), restarted',
      injected: 3,
      outcome: `completed; ${repeated} searches repeated`,
      lost,
    });
    expect(lost).toBe(0);
    // Starting over would repeat dozens of pages; resuming re-reads at most the pages in flight (2 lanes) per kill.
    expect(repeated).toBeLessThanOrEqual(3 * 2);
    // A deleted user's apply confirms the absence its batch load reported with one search by ids; a kill that
    // lands while that search is in flight retries it once in the next worker.
    expect(confirms).toBeGreaterThanOrEqual(1);
    expect(confirms).toBeLessThanOrEqual(2 * deleted.length);
  }, 300_000);

  it('waits out every 429 for at least Retry-After, and completes with an exact copy', async () => {
    stack = await startStack({
      emulator: {
        seed: 62,
        userCount: 600,
        testUserCount: 0,
        // One search per 3 s: the second search comes sooner than that however loaded the machine is, so 429s
        // happen on every run, and the seven pages still finish in about 20 s.
        rateLimits: { search: { limit: 1, windowMs: 3000, blockMs: 2000 } },
      },
    });
    await stack.startWorker({ searchRpm: 60_000 });
    const result: ScanResult = await stack.client.workflow.execute(WORKFLOW_TYPES.backfill, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIds.backfill(stack.projectId),
      // One lane: every request after a 429 is then one the worker chose to send, and must wait Retry-After.
      // (With several lanes, the pages already in flight when the first 429 lands draw their own.)
      args: [{ pageSize: 100, lanes: 1 }],
    });
    const log = stack.emulator.counters.log('search');
    const limited = log.filter((e) => e.status === 429);
    recordReliability({
      fault: 'Descope 429 storm (scaled-down rate limit)',
      injected: limited.length,
      outcome: 'every 429 waited out for Retry-After; backfill completed',
      lost: await countDifferences(stack),
    });
    await expectExactCopy(stack);
    expect(limited.length).toBeGreaterThan(0);
    for (const hit of limited) {
      const next = log.find((e) => e.at > hit.at);
      // Retry-After is 2 s here; allow a little scheduling slack under it for clock granularity.
      if (next) expect(next.at - hit.at).toBeGreaterThanOrEqual(1900);
    }
    expect(result.requests).toBe(log.filter((e) => e.status === 200).length);
    const counted = (await stack.metrics.rateLimited.get()).values.reduce((sum, v) => sum + v.value, 0);
    expect(counted).toBe(limited.length);
  });

  it('keeps to the shared search budget (DESCOPE_SEARCH_RPM) enforced by the task queue', async () => {
    stack = await startStack({ emulator: { seed: 63, userCount: 400, testUserCount: 0 } });
    await stack.startWorker({ searchRpm: 240 }); // 4 requests a second
    await stack.client.workflow.execute(WORKFLOW_TYPES.backfill, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIds.backfill(stack.projectId),
      args: [{ pageSize: 20 }],
    });
    const log = stack.emulator.counters.log('search');
    expect(log.length).toBeGreaterThanOrEqual(20);
    const seconds = (log[log.length - 1]!.at - log[0]!.at) / 1000;
    // n requests at 4/s need at least (n - burst) / 4 seconds; Temporal's limiter allows a burst of about 1 s.
    expect(log.length / Math.max(seconds, 0.001)).toBeLessThanOrEqual(4 * 1.3);
    await expectExactCopy(stack);
  });
});

/** A seeded PRNG in [0, 1) (the emulator's mulberry32), so a failing seed replays exactly. */
const seededRandom = (seed: number): (() => number) => createPrng(seed).next;
