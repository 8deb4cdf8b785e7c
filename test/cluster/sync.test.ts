import { afterEach, describe, expect, inject, it } from 'vitest';
import { searchAttributesFor } from '../../src/temporal/searchAttributes';
import {
  WORKFLOW_TYPES,
  progressQuery,
  workflowIds,
  type ReconcileInput,
  type ReconcileResult,
  type ScanResult,
} from '../../workflows/messages';
import { expectExactCopy, startStack, waitForWorkflowsToSettle, waitUntil, type Stack } from '../fixtures/stack';
import { startWebhook, type RunningWebhook } from '../fixtures/webhook';

const skipReason = inject('clusterSkipReason');
if (skipReason) console.warn(skipReason);

let stack: Stack | undefined;
let webhook: RunningWebhook | undefined;
afterEach(async () => {
  await webhook?.close();
  await stack?.close();
  stack = undefined;
  webhook = undefined;
});

async function count(s: Stack, query: string): Promise<number> {
  return (await s.client.workflow.count(query)).count;
}

async function reconcile(s: Stack, tag: string, input: ReconcileInput): Promise<ReconcileResult> {
  return s.client.workflow.execute(WORKFLOW_TYPES.reconcile, {
    taskQueue: s.taskQueue,
    workflowId: workflowIds.reconcileRun(s.projectId, tag),
    args: [input],
    ...searchAttributesFor(true, input.mode === 'full' ? 'sweep' : 'reconcile', s.projectId),
  });
}

describe.skipIf(skipReason)('the product on the Temporal cluster', () => {
  it('a backfill across continue-as-new and a worker restart copies every user exactly', async () => {
    stack = await startStack({ emulator: { seed: 911, userCount: 1200, testUserCount: 0 } });
    const s = stack;
    s.emulator.faults.set({ latencyMs: 20 });
    await s.startWorker();
    const handle = await s.client.workflow.start(WORKFLOW_TYPES.backfill, {
      taskQueue: s.taskQueue,
      workflowId: workflowIds.backfill(s.projectId),
      args: [{ pageSize: 40, lanes: 4, pagesPerRun: 8 }],
      ...searchAttributesFor(true, 'backfill', s.projectId),
    });
    const before = await waitUntil('a few pages', async () => {
      const progress = await handle.query(progressQuery);
      return progress.pages >= 6 && progress;
    });
    const stopping = Date.now();
    await s.stopWorker();
    await s.startWorker();
    const restarted = Date.now();
    const result: ScanResult = await handle.result();
    console.log(
      `cluster backfill: worker restarted after ${before.pages} pages (stop + start ${restarted - stopping} ms), ` +
        `done ${Date.now() - restarted} ms later; ${result.pages} pages, ${result.runs} runs`,
    );
    expect(result.runs).toBeGreaterThanOrEqual(2);
    expect(result.totals.seen).toBeGreaterThanOrEqual(1200);
    await expectExactCopy(s);
    // Continue-as-new carries the search attributes: the final run is found by them.
    const query = `DescopeKind = 'backfill' AND DescopeProjectId = '${s.projectId}' AND ExecutionStatus = 'Completed'`;
    await waitUntil('the completed backfill in visibility', async () => (await count(s, query)) === 1);
  }, 300_000);

  it('webhook events apply; changes made while webhooks are off are repaired by reconciliation and the sweep', async () => {
    stack = await startStack({ emulator: { seed: 912, userCount: 150, testUserCount: 0 } });
    const s = stack;
    await s.startWorker();
    await s.client.workflow.execute(WORKFLOW_TYPES.backfill, {
      taskQueue: s.taskQueue,
      workflowId: workflowIds.backfill(s.projectId),
      args: [{}],
    });
    webhook = await startWebhook({
      client: s.client,
      store: s.store,
      taskQueue: s.taskQueue,
      projectId: s.projectId,
      searchAttributes: true,
    });
    s.emulator.webhook.configure({
      enabled: true,
      url: webhook.url,
      auth: { type: 'bearer', token: webhook.token },
      delayMs: 50,
    });
    const users = s.emulator.users.all();
    for (let i = 0; i < 5; i++) s.emulator.users.create({ email: `cluster-hook-${i}@example.com` });
    for (const u of users.slice(0, 10)) s.emulator.users.update(u.userId, { givenName: 'Hooked' });
    for (const u of users.slice(10, 15)) s.emulator.users.delete(u.userId);
    s.emulator.users.updateMany(users.slice(15, 18).map((u) => ({ userId: u.userId, patch: { status: 'disabled' } })));
    await s.emulator.webhook.flush();
    const events = `WorkflowType = '${WORKFLOW_TYPES.applyEvent}' AND TaskQueue = '${s.taskQueue}'`;
    // 5 creates, 10 modifies, 5 deletes: one workflow each; the batch modify is one event.
    await waitUntil('every event workflow', async () => (await count(s, events)) === 21, 90_000);
    await waitForWorkflowsToSettle(s, 90_000);
    await expectExactCopy(s);
    const hooked = users[0]!.userId;
    await waitUntil(
      'the event found by user',
      async () => (await count(s, `${events} AND DescopeUserId = '${hooked}'`)) === 1,
    );

    s.emulator.webhook.configure({ enabled: false });
    const live = s.emulator.users.all();
    for (const u of live.slice(20, 28)) s.emulator.users.update(u.userId, { name: `Quiet ${u.userId}` });
    for (let i = 0; i < 4; i++) s.emulator.users.create({ email: `cluster-quiet-${i}@example.com` });
    const doomed = live.slice(30, 36);
    for (const u of doomed) s.emulator.users.delete(u.userId);
    const incremental = await reconcile(s, 'cluster-incremental', { mode: 'incremental' });
    expect(incremental.drift.missed).toBe(12);
    const sweep = await reconcile(s, 'cluster-sweep', { mode: 'full' });
    expect(sweep.drift.deleted).toBe(doomed.length);
    for (const u of doomed) expect((await s.store.getUser(u.userId))?.meta.deleted, u.userId).toBe(true);
    await expectExactCopy(s);
    const runs = `DescopeProjectId = '${s.projectId}' AND (DescopeKind = 'reconcile' OR DescopeKind = 'sweep')`;
    await waitUntil(
      'both runs in visibility',
      async () => (await count(s, `${runs} AND ExecutionStatus = 'Completed'`)) === 2,
    );
  }, 300_000);
});
