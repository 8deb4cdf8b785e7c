import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPES, progressQuery, workflowIds } from '../../workflows/messages';
import { cacheDir, startFerretDb, type MongoWireServer } from '../../src/servers';
import { countDifferences, waitForWorkflowsToSettle, startStack, waitUntil, type Stack } from '../fixtures/stack';
import { startStackWebhook, startWebhook, type RunningWebhook } from '../fixtures/webhook';
import { recordReliability } from '../fixtures/reliability';

let stack: Stack | undefined;
let webhook: RunningWebhook | undefined;
let mongo: MongoWireServer | undefined;
afterEach(async () => {
  await webhook?.close();
  await stack?.close();
  await mongo?.stop();
  stack = undefined;
  webhook = undefined;
  mongo = undefined;
});

const backfill = (s: Stack, pageSize = 50) =>
  s.client.workflow.start(WORKFLOW_TYPES.backfill, {
    taskQueue: s.taskQueue,
    workflowId: workflowIds.backfill(s.projectId),
    args: [{ pageSize }],
  });

const reconcile = (s: Stack, mode: 'incremental' | 'full', tag: string) =>
  s.client.workflow.execute(WORKFLOW_TYPES.reconcile, {
    taskQueue: s.taskQueue,
    workflowId: workflowIds.reconcileRun(s.projectId, tag),
    args: [{ mode }],
  });

describe('fault tests: nothing lost', () => {
  it('Descope failing 20% of requests (5xx), with non-JSON error pages and latency spikes: the backfill is exact', async () => {
    stack = await startStack({ emulator: { seed: 81, userCount: 1500, testUserCount: 0 } });
    stack.emulator.faults.set({
      errorRate: 0.2,
      errorStatuses: [500, 502],
      nonJsonRate: 0.05,
      latencyMs: 5,
      jitterMs: 60,
      endpoints: ['search'],
    });
    await stack.startWorker();
    await (await backfill(stack)).result();
    const counts = stack.emulator.counters.get().search ?? {};
    const failed = Object.entries(counts)
      .filter(([status]) => Number(status) >= 400)
      .reduce((sum, [, n]) => sum + n, 0);
    const lost = await countDifferences(stack);
    recordReliability({
      fault: 'Descope 5xx (20%), non-JSON error bodies, latency spikes',
      injected: failed,
      outcome: 'backfill completed',
      lost,
    });
    expect(failed).toBeGreaterThan(0);
    expect(lost).toBe(0);
  });

  it('webhook deliveries duplicated, reordered and partly dropped: reconciliation and the sweep close the gap', async () => {
    stack = await startStack({ emulator: { seed: 82, userCount: 300, testUserCount: 0 } });
    await stack.startWorker();
    await (await backfill(stack)).result();
    webhook = await startStackWebhook(stack, {
      delayMs: 20,
      maxBatch: 5,
      dropRate: 0.3,
      duplicateRate: 0.3,
      reorder: true,
      seed: 5,
    });
    const users = stack.emulator.users.all();
    for (const u of users.slice(0, 40)) stack.emulator.users.update(u.userId, { familyName: 'Changed' });
    for (let i = 0; i < 10; i++) stack.emulator.users.create({ email: `lossy-${i}@example.com` });
    const deleted = users.slice(40, 50).map((u) => u.userId);
    for (const id of deleted) stack.emulator.users.delete(id);
    await stack.emulator.webhook.flush();
    const stats = stack.emulator.webhook.stats();
    expect(stats.dropped).toBeGreaterThan(0);
    await waitForWorkflowsToSettle(stack);
    const beforeRepair = await countDifferences(stack, deleted);
    await reconcile(stack, 'incremental', 'lossy-incremental');
    await reconcile(stack, 'full', 'lossy-sweep');
    const lost = await countDifferences(stack, deleted);
    recordReliability({
      fault: 'Webhook deliveries dropped (30%), duplicated (30%), reordered',
      injected: stats.dropped + stats.duplicated,
      outcome: `${beforeRepair} users the webhooks alone had missed; reconcile + sweep repaired them`,
      lost,
    });
    expect(lost).toBe(0);
  });

  it('webhook server killed mid-batch: the sender retries, the delivery completes, nothing is half-applied', async () => {
    stack = await startStack({ emulator: { seed: 85, userCount: 100, testUserCount: 0 } });
    await stack.startWorker();
    await (await backfill(stack)).result();
    const deps = { client: stack.client, store: stack.store, taskQueue: stack.taskQueue, projectId: stack.projectId };
    webhook = await startWebhook(deps);
    let kills = 0;
    const { port, token } = webhook;
    stack.emulator.webhook.configure({
      enabled: true,
      url: webhook.url,
      auth: { type: 'bearer', token },
      delayMs: 10,
      maxBatch: 20,
      retry: { attempts: 20, backoffMs: 200, maxDelayMs: 1000, retryNon2xx: true, retryConnectionErrors: true },
    });
    const users = stack.emulator.users.all();
    for (const u of users.slice(0, 60)) stack.emulator.users.update(u.userId, { middleName: 'Retried' });
    // Kill while a delivery is on the wire (sent, not yet answered): it sees the connection drop.
    await waitUntil(
      'a delivery in flight',
      async () => {
        const s = stack!.emulator.webhook.stats();
        return s.sent > s.acked;
      },
      10_000,
      1,
    );
    await webhook.kill();
    kills += 1;
    await new Promise((r) => setTimeout(r, 1500));
    webhook = await startWebhook({ ...deps, port, token });
    await stack.emulator.webhook.flush();
    const stats = stack.emulator.webhook.stats();
    await waitForWorkflowsToSettle(stack);
    const lost = await countDifferences(stack);
    recordReliability({
      fault: 'Webhook server killed mid-batch, restarted',
      injected: kills,
      outcome: `sender retried ${stats.retried} deliveries; ${stats.failed} gave up`,
      lost,
    });
    expect(stats.retried).toBeGreaterThan(0); // the kill did interrupt a delivery
    expect(stats.failed).toBe(0);
    expect(lost).toBe(0);
  });

  it('MongoDB stopped for 30 s during backfill page writes and event applies, then restarted: the copy is exact', async () => {
    const dataDir = join(cacheDir(), 'data', `mongo-outage-${Date.now()}`);
    mongo = await startFerretDb({ dataDir });
    const port = Number(/:(\d+)\//.exec(mongo.uri)![1]);
    stack = await startStack({ emulator: { seed: 83, userCount: 1000, testUserCount: 0 }, mongoUri: mongo.uri });
    stack.emulator.faults.set({ latencyMs: 20 });
    await stack.startWorker();
    webhook = await startStackWebhook(stack, {
      delayMs: 20,
      maxBatch: 10,
      retry: { attempts: 20, backoffMs: 200, maxDelayMs: 2000, retryNon2xx: true, retryConnectionErrors: true },
    });
    const handle = await backfill(stack, 20);
    await waitUntil('a quarter of the pages', async () => (await handle.query(progressQuery)).pages >= 12, 90_000);
    const users = stack.emulator.users.all();
    const deleted: string[] = [];
    const change = (from: number, tag: string) => {
      for (const u of users.slice(from, from + 20)) stack!.emulator.users.update(u.userId, { familyName: tag });
      for (const u of users.slice(from + 20, from + 25)) {
        stack!.emulator.users.delete(u.userId);
        deleted.push(u.userId);
      }
      for (let i = 0; i < 5; i++) stack!.emulator.users.create({ email: `${tag}-${from}-${i}@example.com` });
    };
    change(0, 'before');
    await mongo.stop(); // page writes and event applies in flight fail and are retried by Temporal
    change(100, 'during');
    await new Promise((r) => setTimeout(r, 30_000));
    mongo = await startFerretDb({ dataDir, port });
    change(200, 'after');
    await handle.result();
    await stack.emulator.webhook.flush();
    await waitForWorkflowsToSettle(stack, 120_000);
    const eventRuns =
      (await stack.client.workflow.count(`TaskQueue = '${stack.taskQueue}' AND ExecutionStatus = 'Completed'`)).count -
      1;
    // Writes cut off by the stop (a connection closed mid-command, no server to select, a dead pooled socket
    // after the restart) fail their activity attempt, and Temporal retries them through the guard.
    const lost = await countDifferences(stack, deleted);
    recordReliability({
      fault: 'MongoDB-wire server stopped 30 s during backfill page writes and event applies, restarted',
      injected: 1,
      outcome: `backfill and ${eventRuns} event workflows completed after restart`,
      lost,
    });
    expect(eventRuns).toBeGreaterThanOrEqual(90); // 30 changes in each of the three phases, at least
    expect(lost).toBe(0);
  }, 300_000);
});
