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
    await waitUntil('paused', async () => (await handle.query(progressQuery)).state === 'paused');
    await new Promise((r) => setTimeout(r, 500)); // let the page in flight finish
    const before = stack.emulator.counters.total('search');
    await new Promise((r) => setTimeout(r, 1500));
    expect(stack.emulator.counters.total('search')).toBe(before);
    const paused = await handle.query(progressQuery);
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
});
