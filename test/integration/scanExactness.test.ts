import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import {
  RECONCILE_STATE_ID,
  WORKFLOW_TYPES,
  pauseSignal,
  progressQuery,
  resumeSignal,
  workflowIds,
  type BackfillInput,
  type ReconcileInput,
  type ReconcileResult,
  type ScanResult,
} from '../../workflows/messages';
import { describeFailure } from '../../workflows/scanControl';
import { expectExactCopy, startStack, waitUntil, type Stack } from '../fixtures/stack';

const stacks: Stack[] = [];
afterEach(async () => {
  for (const stack of stacks.splice(0)) await stack.close();
});

async function openStack(options: Parameters<typeof startStack>[0]): Promise<Stack> {
  const stack = await startStack(options);
  stacks.push(stack);
  return stack;
}

function startBackfill(s: Stack, input: BackfillInput = {}) {
  return s.client.workflow.start(WORKFLOW_TYPES.backfill, {
    taskQueue: s.taskQueue,
    workflowId: workflowIds.backfill(s.projectId),
    args: [input],
  });
}

let runs = 0;
function startReconcile(s: Stack, input: ReconcileInput = {}) {
  runs += 1;
  return s.client.workflow.start(WORKFLOW_TYPES.reconcile, {
    taskQueue: s.taskQueue,
    workflowId: workflowIds.reconcileRun(s.projectId, `exact-${runs}`),
    args: [input],
  });
}

const backfillState = (s: Stack) =>
  s.store.getState<{ state?: string; lastError?: string }>(`backfill:${workflowIds.backfill(s.projectId)}`);
const reconcileState = (s: Stack) =>
  s.store.getState<{ watermarkMs?: number; backfillStartedMs?: number | null }>(RECONCILE_STATE_ID);

/** No search reaches Descope over `ms` (a measured window: absence of traffic can only be observed over time). */
async function expectNoSearchesFor(s: Stack, ms: number): Promise<void> {
  const before = s.emulator.counters.total('search');
  await new Promise((resolve) => setTimeout(resolve, ms));
  expect(s.emulator.counters.total('search') - before).toBe(0);
}

describe('short pages are not the end of the range', () => {
  it('a backfill that meets empty pages for a while (true total) retries them and stores every user', async () => {
    const stack = await openStack({ emulator: { seed: 81, userCount: 600, testUserCount: 0 } });
    stack.emulator.faults.set({ emptySearch: true });
    await stack.startWorker();
    const handle = await startBackfill(stack, { pageSize: 50, lanes: 4 });
    // Two short replies, or (as the scan did when it trusted them) the end of the backfill.
    await waitUntil(
      'two short pages',
      async () => stack.emulator.counters.total('search') >= 2 || (await handle.describe()).status.name !== 'RUNNING',
    );
    stack.emulator.faults.set({ emptySearch: false });
    const result: ScanResult = await handle.result();
    await expectExactCopy(stack);
    expect(result.totals.inserted).toBe(600);
    expect(await backfillState(stack)).toMatchObject({ state: 'completed' });
  });

  it('when Descope keeps sending short pages, the backfill and an incremental run fail visibly and set no watermark', async () => {
    // Two projects at once: each failure takes the bounded retries (about two minutes of backoff).
    const [fresh, synced] = await Promise.all([
      openStack({ emulator: { seed: 82, userCount: 300, testUserCount: 0 } }),
      openStack({ emulator: { seed: 83, userCount: 300, testUserCount: 0 } }),
    ]);
    await Promise.all([fresh.startWorker(), synced.startWorker()]);
    await (await startBackfill(synced, { pageSize: 50 })).result();
    await (await startReconcile(synced)).result();
    const watermark = (await reconcileState(synced))?.watermarkMs;
    expect(watermark).toBeGreaterThan(0);
    for (const user of synced.emulator.users.all().slice(0, 5))
      synced.emulator.users.update(user.userId, { name: 'x' });

    fresh.emulator.faults.set({ emptySearch: true });
    synced.emulator.faults.set({ emptySearch: true });
    const failures = await Promise.all([
      (await startBackfill(fresh, { pageSize: 50 })).result().catch((e: unknown) => e),
      (await startReconcile(synced)).result().catch((e: unknown) => e),
    ]);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect(describeFailure(failure)).toMatch(
        /ShortPage: Descope returned 0 users for a page of \d+ while its total says \d+/,
      );
    }
    expect(await backfillState(fresh)).toMatchObject({
      state: 'failed',
      lastError: expect.stringMatching(/ShortPage/),
    });
    expect((await reconcileState(fresh))?.watermarkMs).toBeUndefined();
    expect(await fresh.store.countUsers()).toEqual({ live: 0, deleted: 0 });
    expect((await reconcileState(synced))?.watermarkMs).toBe(watermark);
  }, 300_000);
});

describe('pause means pause', () => {
  it('once a backfill over several lanes says paused, no search reaches Descope, even with pages queued at the rate limit', async () => {
    const stack = await openStack({ emulator: { seed: 84, userCount: 400, testUserCount: 0 } });
    await stack.startWorker({ searchRpm: 120 }); // two a second: pages of the other lanes queue at the task queue
    const handle = await startBackfill(stack, { pageSize: 20, lanes: 6 });
    await waitUntil('lanes at work', async () => (await handle.query(progressQuery)).pages >= 3, 90_000);
    await handle.signal(pauseSignal);
    await waitUntil('paused', async () => (await handle.query(progressQuery)).state === 'paused', 90_000);
    const paused = await handle.query(progressQuery);
    // Every request that reached Descope was a page the scan counted: none in flight, none uncounted.
    expect(stack.emulator.counters.total('search')).toBe(paused.requests);
    await expectNoSearchesFor(stack, 3000);
    await handle.signal(resumeSignal);
    const result: ScanResult = await handle.result();
    expect(result.totals.inserted).toBe(400);
    expect(result.requests).toBe(stack.emulator.counters.total('search'));
    await expectExactCopy(stack);
  }, 240_000);

  it('a page withdrawn by a pause whose request then fails is read again on resume, not a failed backfill (simulation seed 6)', async () => {
    const stack = await openStack({ emulator: { seed: 86, userCount: 300, testUserCount: 0 } });
    await stack.startWorker();
    const handle = await startBackfill(stack, { pageSize: 20, lanes: 4 });
    await waitUntil('lanes at work', async () => (await handle.query(progressQuery)).pages >= 2, 90_000);
    // Every request from now on is slow and then fails: the pages on the wire when the pause lands fail after
    // their cancellation was requested, which Temporal does not retry.
    stack.emulator.faults.set({ errorRate: 1, errorStatuses: [500], latencyMs: 1500, endpoints: ['search'] });
    // Once one page has failed, the lanes are in a loop of slow, failing attempts: some are on the wire.
    await waitUntil('a failed page', async () => stack.emulator.counters.total('search', 500) > 0, 30_000);
    await handle.signal(pauseSignal);
    await waitUntil('paused', async () => (await handle.query(progressQuery)).state === 'paused', 90_000);
    stack.emulator.faults.set({ errorRate: 0, latencyMs: 0 });
    await handle.signal(resumeSignal);
    const result: ScanResult = await handle.result();
    expect(stack.emulator.counters.total('search', 500)).toBeGreaterThan(0); // a withdrawn page did fail
    expect(result.totals.inserted).toBe(300);
    await expectExactCopy(stack);
  }, 240_000);

  it('a pause that lands as a run ends (every page ends a run here) carries into the next run', async () => {
    const stack = await openStack({ emulator: { seed: 85, userCount: 400, testUserCount: 0 } });
    stack.emulator.faults.set({ latencyMs: 30 });
    await stack.startWorker();
    const handle = await startBackfill(stack, { pageSize: 10, lanes: 1, pagesPerRun: 1 });
    for (let cycle = 0; cycle < 8; cycle++) {
      const before = (await handle.query(progressQuery)).pages;
      await waitUntil('a page', async () => (await handle.query(progressQuery)).pages > before);
      await handle.signal(pauseSignal);
      await waitUntil('paused', async () => (await handle.query(progressQuery)).state === 'paused', 15_000);
      const paused = await handle.query(progressQuery);
      expect(stack.emulator.counters.total('search')).toBe(paused.requests);
      await expectNoSearchesFor(stack, 300);
      // The sync_state mirror follows the workflow (its write is an activity after the pause): it must come to say
      // paused, and stay so, never overwritten by an earlier page's state.
      await waitUntil('the record to say paused', async () => (await pausedRecord(stack)) === 'paused', 10_000);
      await expectNoSearchesFor(stack, 300);
      expect(await pausedRecord(stack)).toBe('paused');
      await handle.signal(resumeSignal);
    }
    const result: ScanResult = await handle.result();
    expect(result.runs).toBeGreaterThan(8);
    expect(result.requests).toBe(stack.emulator.counters.total('search'));
    await expectExactCopy(stack);
  }, 240_000);

  it('once a reconciliation says paused, no search reaches Descope; resumed, it finishes', async () => {
    const stack = await openStack({ emulator: { seed: 86, userCount: 300, testUserCount: 0 } });
    await stack.startWorker({ searchRpm: 120 }); // two a second: the next page waits at the task queue
    await (await startBackfill(stack, { pageSize: 100 })).result();
    stack.emulator.counters.reset();
    const handle: WorkflowHandle = await startReconcile(stack, { mode: 'full', pageSize: 20 });
    await waitUntil('a few pages', async () => (await handle.query(progressQuery)).pages >= 2, 60_000);
    await handle.signal(pauseSignal);
    await waitUntil('paused', async () => (await handle.query(progressQuery)).state === 'paused', 60_000);
    expect(stack.emulator.counters.total('search')).toBe((await handle.query(progressQuery)).requests);
    await expectNoSearchesFor(stack, 3000);
    await handle.signal(resumeSignal);
    const result = (await handle.result()) as ReconcileResult;
    expect(result.requests).toBe(stack.emulator.counters.total('search'));
    expect(result.drift.deleted).toBe(0);
  }, 240_000);
});

describe('one full read at a time', () => {
  it('an incremental run with no watermark while the first backfill runs reads from the backfill start, not from 0', async () => {
    const stack = await openStack({ emulator: { seed: 87, userCount: 2000, testUserCount: 0 } });
    stack.emulator.faults.set({ latencyMs: 60 });
    await stack.startWorker();
    const backfill = await startBackfill(stack, { pageSize: 20, lanes: 1 });
    await waitUntil('backfill under way', async () => (await backfill.query(progressQuery)).pages >= 2);
    const backfillStart = (await backfill.query(progressQuery)).cursor.upperMs;
    const changed = stack.emulator.users.all()[1500]!;
    stack.emulator.users.update(changed.userId, { name: 'changed during the backfill' });
    const reconcile = (await (await startReconcile(stack)).result()) as ReconcileResult;
    // Only what changed since the backfill began: one page, not the 2000 users again.
    expect(reconcile.requests).toBe(1);
    expect(reconcile.totals.seen).toBe(1);
    // The backfill sets the watermark when it completes; a run that read only part of the history does not.
    expect(reconcile.watermarkMs).toBeNull();
    expect(await reconcileState(stack)).toMatchObject({ backfillStartedMs: backfillStart });
    expect((await reconcileState(stack))?.watermarkMs).toBeUndefined();
    await backfill.result();
    expect((await reconcileState(stack))?.watermarkMs).toBe(backfillStart);
    await expectExactCopy(stack);
  }, 180_000);
});

async function pausedRecord(s: Stack): Promise<string | undefined> {
  return (await backfillState(s))?.state;
}
