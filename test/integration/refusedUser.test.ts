import { afterEach, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPES, workflowIds, type ScanResult } from '../../workflows/messages';
import { jsonOf, runCli } from '../fixtures/cli';
import { startStack, storedLiveUsers, type Stack } from '../fixtures/stack';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/**
 * End to end: a user whose value the MongoDB-wire server refuses (FerretDB v1: a nested array; MongoDB: a
 * document over 16 MiB) never stalls a backfill. The others are stored, the refusal is shown by `status` and
 * the worker's metrics, and a full sweep reads the user again instead of taking it for deleted.
 */
describe('a user the store refuses', () => {
  it('does not stall the backfill; status and /metrics show it; the sweep retries it and deletes nothing', async () => {
    stack = await startStack({ emulator: { seed: 61, userCount: 120, testUserCount: 0 } });
    const info = await stack.store.db.admin().command({ buildInfo: 1 });
    const bad = 'ferretdbVersion' in info ? { matrix: [[1, 2]] } : { blob: 'x'.repeat(17 * 1024 * 1024) };
    // The emulator's types hold Descope's documented attribute values; Descope's API takes any JSON.
    const poison = stack.emulator.users.create({ email: 'poison@example.com', customAttributes: bad as never });
    await stack.startWorker();
    const result: ScanResult = await stack.client.workflow.execute(WORKFLOW_TYPES.backfill, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIds.backfill(stack.projectId),
      args: [{}],
      workflowExecutionTimeout: '3m',
    });
    expect(result.pages).toBeGreaterThan(0);
    const stored = await storedLiveUsers(stack.store);
    expect(stored.size).toBe(120);
    expect(stored.has(poison.userId)).toBe(false);

    const status = await runCli(stack, ['status', '--json']);
    const report = jsonOf<{ refused: { count: number; users: { userId: string; reason: string; source: string }[] } }>(
      status,
    );
    expect(report.refused.count).toBe(1);
    expect(report.refused.users[0]).toMatchObject({ userId: poison.userId, source: 'backfill' });
    expect(report.refused.users[0]!.reason.length).toBeGreaterThan(0);
    const human = await runCli(stack, ['status']);
    expect(human.stdout).toMatch(new RegExp(`Refused by MongoDB: 1 users[\\s\\S]*${poison.userId}`));
    expect(await stack.metrics.registry.getSingleMetricAsString('descope_sync_store_refused_total')).toMatch(
      /descope_sync_store_refused_total\{source="backfill"\} 1/,
    );

    const sweep = await stack.client.workflow.execute(WORKFLOW_TYPES.reconcile, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIds.reconcileRun(stack.projectId, `refused-${Date.now()}`),
      args: [{ mode: 'full' }],
    });
    expect(sweep).toMatchObject({ drift: { deleted: 0 } });
    const [record] = await stack.store.listRefused();
    expect(record).toMatchObject({ userId: poison.userId, source: 'sweep', count: 2 });
  }, 300_000);
});
