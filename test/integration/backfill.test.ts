import { afterEach, describe, expect, it } from 'vitest';
import {
  WORKFLOW_TYPES,
  pauseSignal,
  progressQuery,
  resumeSignal,
  workflowIds,
  type BackfillInput,
} from '../../workflows/messages';
import { expectExactCopy, startStack, storedLiveUsers, waitUntil, type Stack } from '../fixtures/stack';
import type { ScanResult } from '../../workflows/messages';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

function startBackfill(s: Stack, input: BackfillInput = {}) {
  return s.client.workflow.start(WORKFLOW_TYPES.backfill, {
    taskQueue: s.taskQueue,
    workflowId: workflowIds.backfill(s.projectId),
    args: [input],
  });
}

/** No search reaches Descope over `ms`: absence of traffic is only observable over a window of time. */
async function expectNoSearchesFor(s: Stack, ms: number): Promise<void> {
  const before = s.emulator.counters.total('search');
  await new Promise((resolve) => setTimeout(resolve, ms));
  expect(s.emulator.counters.total('search') - before).toBe(0);
}

describe('backfillUsers', () => {
  it('copies 10,000 users, shared-second clusters included, exactly: every field equal, nothing extra', async () => {
    stack = await startStack({ emulator: { seed: 42, userCount: 10_000, testUserCount: 50 } });
    await stack.startWorker();
    const result: ScanResult = await (await startBackfill(stack)).result();
    await expectExactCopy(stack);
    expect(result.totals.seen).toBeGreaterThanOrEqual(10_000);
    expect(await stack.store.countUsers()).toEqual({ live: 10_000, deleted: 0 });
    const state = await stack.store.getState<Record<string, unknown>>(
      `backfill:${workflowIds.backfill(stack.projectId)}`,
    );
    expect(state).toMatchObject({ state: 'completed', pages: result.pages });
  });

  it('never skips a surviving user when users on early pages are created and deleted while it runs', async () => {
    stack = await startStack({ emulator: { seed: 3, userCount: 3000, testUserCount: 0 } });
    stack.emulator.faults.set({ latencyMs: 15 });
    const initial = stack.emulator.users.all();
    const oldest = [...initial].sort((a, b) => (a.createdTime ?? 0) - (b.createdTime ?? 0)).slice(0, 600);
    await stack.startWorker();
    const handle = await startBackfill(stack, { pageSize: 50 });
    await waitUntil('a few pages', async () => (await handle.query(progressQuery)).pages >= 5);
    // Deleting early rows shifts every later row in offset paging: keyset paging must not care.
    for (const user of oldest.slice(0, 400)) stack.emulator.users.delete(user.userId);
    for (let i = 0; i < 50; i++) stack.emulator.users.create({ loginIds: [`late-${i}@example.com`] });
    await handle.result();
    const deleted = new Set(oldest.slice(0, 400).map((u) => u.userId));
    const stored = await storedLiveUsers(stack.store);
    const missing = initial.filter((u) => !deleted.has(u.userId) && !stored.has(u.userId)).map((u) => u.userId);
    expect(missing).toEqual([]);
  });

  it('pause stops all Descope traffic; resume finishes; progress reports sensible numbers', async () => {
    stack = await startStack({ emulator: { seed: 5, userCount: 2000, testUserCount: 0 } });
    stack.emulator.faults.set({ latencyMs: 20 });
    await stack.startWorker();
    const handle = await startBackfill(stack, { pageSize: 20 });
    await waitUntil('progress', async () => (await handle.query(progressQuery)).pages >= 3);
    await handle.signal(pauseSignal);
    // `paused` only once no page is in flight: every search Descope answered is a page the scan counted.
    await waitUntil('paused', async () => (await handle.query(progressQuery)).state === 'paused');
    const paused = await handle.query(progressQuery);
    expect(stack.emulator.counters.total('search')).toBe(paused.requests);
    await expectNoSearchesFor(stack, 1500);
    expect(paused.totals.seen).toBeGreaterThan(0);
    expect(paused.totals.seen).toBeLessThan(2000);
    expect(paused.estimatedTotal).toBeGreaterThanOrEqual(1900);
    await handle.signal(resumeSignal);
    await handle.result();
    await expectExactCopy(stack);
  });

  it('continues as new in a long run and loses nothing across runs', async () => {
    stack = await startStack({ emulator: { seed: 9, userCount: 500, testUserCount: 0 } });
    await stack.startWorker();
    const handle = await startBackfill(stack, { pageSize: 10, pagesPerRun: 15 });
    const result: ScanResult = await handle.result();
    expect(result.pages).toBeGreaterThan(45);
    expect(result.runs).toBeGreaterThanOrEqual(3);
    const description = await stack.client.workflow.getHandle(handle.workflowId).describe();
    expect(description.runId).not.toBe(handle.firstExecutionRunId);
    await expectExactCopy(stack);
  });

  it('reads several lanes at once over skewed creation times, each user written exactly once', async () => {
    stack = await startStack({ emulator: { seed: 21, userCount: 0, testUserCount: 0 } });
    const nowSec = Math.floor(Date.now() / 1000);
    // Years of nothing, a bulk import of 150 users in one second, then a busy last hour: time-halving lanes
    // must follow the users, and a second larger than a page must stay in one lane.
    stack.emulator.users.create({ createdTime: nowSec - 5 * 365 * 86_400 });
    for (let i = 0; i < 150; i++) stack.emulator.users.create({ createdTime: nowSec - 30 * 86_400 });
    for (let i = 0; i < 849; i++) stack.emulator.users.create({ createdTime: nowSec - 3600 + Math.floor(i * 3.5) });
    stack.emulator.faults.set({ latencyMs: 60 });
    await stack.startWorker();
    const handle = await startBackfill(stack, { pageSize: 20, lanes: 4 });
    const result: ScanResult = await handle.result();
    await expectExactCopy(stack);
    expect(result.totals).toMatchObject({ seen: 1000, inserted: 1000, applied: 1000, stale: 0, unchanged: 0 });
    // One lane alone completes a search at most every 60 ms (the latency); overlapping lanes, closer together.
    const done = stack.emulator.counters.log('search').map((e) => e.at);
    const close = done.slice(1).filter((at, i) => at - done[i]! < 55).length;
    expect(close).toBeGreaterThan(done.length / 4);
    const record = await stack.store.getState<Record<string, unknown>>(`backfill:${handle.workflowId}`);
    expect(record).toMatchObject({ state: 'completed', pages: result.pages, lanes: [] });
  });

  it('with lanes, pause withdraws the pages not yet sent, lets those sent settle and sends nothing more; continue-as-new carries the lanes', async () => {
    stack = await startStack({ emulator: { seed: 8, userCount: 3000, testUserCount: 0 } });
    stack.emulator.faults.set({ latencyMs: 80 });
    await stack.startWorker();
    const handle = await startBackfill(stack, { pageSize: 20, lanes: 6, pagesPerRun: 12 });
    await waitUntil('lanes', async () => ((await handle.query(progressQuery)).lanes ?? 0) >= 4);
    await handle.signal(pauseSignal);
    await waitUntil('paused', async () => (await handle.query(progressQuery)).state === 'paused');
    const paused = await handle.query(progressQuery);
    expect(paused.requests).toBe(stack.emulator.counters.total('search'));
    await expectNoSearchesFor(stack, 1500);
    expect(paused.totals.seen).toBeLessThan(3000);
    await handle.signal(resumeSignal);
    const result: ScanResult = await handle.result();
    expect(result.runs).toBeGreaterThanOrEqual(3);
    expect(result.requests).toBe(stack.emulator.counters.total('search'));
    expect(result.totals.inserted).toBe(3000);
    await expectExactCopy(stack);
  });

  it('refuses a lane count it cannot honour with a clear error, before reading anything', async () => {
    stack = await startStack({ emulator: { seed: 2, userCount: 50, testUserCount: 0 } });
    await stack.startWorker();
    for (const lanes of [0, 17, 2.5, 'many']) {
      stack.emulator.counters.reset();
      const handle = await stack.client.workflow.start(WORKFLOW_TYPES.backfill, {
        taskQueue: stack.taskQueue,
        workflowId: `${workflowIds.backfill(stack.projectId)}-bad-${String(lanes)}`,
        args: [{ lanes } as unknown as BackfillInput],
      });
      const failure = await handle.result().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(String((failure as { cause?: unknown })?.cause)).toContain(
        `lanes: expected a whole number from 1 to 16, got ${JSON.stringify(lanes)}`,
      );
      expect(stack.emulator.counters.total('search')).toBe(0);
    }
    expect(await stack.store.countUsers()).toEqual({ live: 0, deleted: 0 });
  });
});
