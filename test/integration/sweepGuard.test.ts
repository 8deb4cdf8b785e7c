import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import {
  RECONCILE_STATE_ID,
  WORKFLOW_TYPES,
  workflowIds,
  type ReconcileInput,
  type ReconcileResult,
} from '../../workflows/messages';
import { jsonOf, runCli } from '../fixtures/cli';
import { expectExactCopy, startStack, waitUntil, type Stack } from '../fixtures/stack';

/**
 * The deletion sweep's mass-deletion guard counts users Descope CONFIRMS absent, allows a small number of
 * deletions in any project, and never counts test users, whatever their number.
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

let runs = 0;
function sweep(s: Stack, input: ReconcileInput = {}): Promise<ReconcileResult> {
  runs += 1;
  return s.client.workflow.execute(WORKFLOW_TYPES.reconcile, {
    taskQueue: s.taskQueue,
    workflowId: workflowIds.reconcileRun(s.projectId, `guard-${runs}-${Date.now()}`),
    args: [{ mode: 'full', ...input }],
  });
}

async function backfill(s: Stack): Promise<void> {
  await s.client.workflow.execute(WORKFLOW_TYPES.backfill, {
    taskQueue: s.taskQueue,
    workflowId: workflowIds.backfill(s.projectId),
    args: [{}],
  });
}

describe('deletion guard', () => {
  it('a 5-user project deletes the one user Descope lost (deleting up to SWEEP_MIN_DELETE is always allowed)', async () => {
    stack = await startStack({ emulator: { seed: 51, userCount: 5, testUserCount: 0 } });
    await stack.startWorker();
    await backfill(stack);
    const lost = stack.emulator.users.all()[0]!;
    stack.emulator.users.delete(lost.userId);
    const result = await sweep(stack, { maxDeleteFraction: 0.1 });
    expect(result.drift.deleted).toBe(1);
    expect((await stack.store.getUser(lost.userId))?.meta.deleted).toBe(true);
    await expectExactCopy(stack);
  });

  it('stored test users, more than 10 % of the project, are never sweep candidates and never trip the guard', async () => {
    stack = await startStack({ emulator: { seed: 52, userCount: 40, testUserCount: 15 } });
    await stack.startWorker();
    await backfill(stack);
    // Events stored every test user (scans leave them out): 15 of 55 stored users.
    const testUsers = stack.emulator.users.all().filter((u) => u.test);
    expect(testUsers).toHaveLength(15);
    await stack.store.writeUsers(
      testUsers.map((user) => ({ kind: 'snapshot' as const, user: { ...user }, observedAt: Date.now() - 60_000 })),
      'event',
    );
    const doomed = stack.emulator.users
      .all()
      .filter((u) => !u.test)
      .slice(0, 3);
    for (const u of doomed) stack.emulator.users.delete(u.userId);
    const loadsBefore = stack.emulator.counters.total('load');
    const loadUsersBefore = stack.emulator.counters.total('loadUsers');
    const result = await sweep(stack, { maxDeleteFraction: 0.01, minDelete: 3 });
    expect(result.drift.deleted).toBe(3);
    for (const u of doomed) expect((await stack.store.getUser(u.userId))?.meta.deleted).toBe(true);
    for (const u of testUsers) expect((await stack.store.getUser(u.userId))?.meta.deleted).toBe(false);
    // Three candidates: one batch load, then one search for the ids it omitted; never a load per user.
    expect(stack.emulator.counters.total('load') - loadsBefore).toBe(0);
    expect(stack.emulator.counters.total('loadUsers') - loadUsersBefore).toBe(1);
    await expectExactCopy(stack, { ignore: testUsers.map((u) => u.userId) });
  });

  it('with test users synced, a deleted test user is swept like any other', async () => {
    stack = await startStack({ emulator: { seed: 53, userCount: 20, testUserCount: 4 } });
    await stack.startWorker();
    await stack.client.workflow.execute(WORKFLOW_TYPES.backfill, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIds.backfill(stack.projectId),
      args: [{ includeTestUsers: true }],
    });
    const gone = stack.emulator.users.all().find((u) => u.test)!;
    stack.emulator.users.delete(gone.userId);
    const result = await sweep(stack, { includeTestUsers: true });
    expect(result.drift.deleted).toBe(1);
    expect((await stack.store.getUser(gone.userId))?.meta.deleted).toBe(true);
    await expectExactCopy(stack, { includeTestUsers: true });
  });

  it('refuses when more users are confirmed gone than the limit allows, and deletes nothing', async () => {
    stack = await startStack({ emulator: { seed: 54, userCount: 60, testUserCount: 0 } });
    await stack.startWorker();
    await backfill(stack);
    for (const u of stack.emulator.users.all().slice(0, 11)) stack.emulator.users.delete(u.userId);
    // The limit is max(10 % of 60, 10) = 10: eleven confirmed deletions are refused.
    const failure = await sweep(stack, { maxDeleteFraction: 0.1, minDelete: 10 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.message)).toMatch(/Mass-deletion guard: 11 confirmed/);
    expect(await stack.store.countUsers()).toEqual({ live: 60, deleted: 0 });
    const state = await stack.store.getState<{ lastSweepRefused?: { reason: string } }>(RECONCILE_STATE_ID);
    expect(state?.lastSweepRefused?.reason).toMatch(/nothing was deleted/);
    // The refused sweep is a failed workflow `status` reports, with exit code 1 for monitoring...
    const s = stack;
    await waitUntil('the refused sweep to be visible as failed', async () => {
      const { count } = await s.client.workflow.count(`ExecutionStatus = 'Failed' AND TaskQueue = '${s.taskQueue}'`);
      return count === 1;
    });
    const refused = await runCli(s, ['status', '--json']);
    expect(refused.code).toBe(1);
    expect(jsonOf(refused)).toMatchObject({ failedWorkflows: 1 });
    // With force, the same sweep deletes them.
    expect((await sweep(stack, { force: true })).drift.deleted).toBe(11);
    // ...until a later sweep gets through: the old run (an id of its own) stops counting.
    const after = await runCli(s, ['status', '--json']);
    expect(jsonOf(after)).toMatchObject({ failedWorkflows: 0 });
    expect(after.code).toBe(0);
  });
});
