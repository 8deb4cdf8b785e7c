import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheDir, startTemporalServer } from '../../src/servers';
import { WORKFLOW_TYPES } from '../../workflows/messages';
import { countDifferences, expectExactCopy, startStack, waitUntil, type Stack } from '../fixtures/stack';
import { startWebhook, type RunningWebhook } from '../fixtures/webhook';
import { recordReliability } from '../fixtures/reliability';

let stack: Stack | undefined;
let webhook: RunningWebhook | undefined;
afterEach(async () => {
  await webhook?.close();
  await stack?.close();
  stack = undefined;
  webhook = undefined;
});

async function eventWorkflows(s: Stack, status?: string): Promise<number> {
  const filter = status ? ` AND ExecutionStatus = '${status}'` : '';
  const { count } = await s.client.workflow.count(
    `WorkflowType = '${WORKFLOW_TYPES.applyEvent}' AND TaskQueue = '${s.taskQueue}'${filter}`,
  );
  return count;
}

async function intakesRunning(s: Stack): Promise<number> {
  const query = `WorkflowType = '${WORKFLOW_TYPES.intake}' AND TaskQueue = '${s.taskQueue}' AND ExecutionStatus = 'Running'`;
  return (await s.client.workflow.count(query)).count;
}

/** Every intake has started its events' workflows (checked first), and none of those is still running. */
async function settled(s: Stack): Promise<void> {
  await waitUntil(
    'every event workflow to finish',
    async () =>
      (await intakesRunning(s)) === 0 && (await eventWorkflows(s, 'Running')) === 0 && (await eventWorkflows(s)) > 0,
    90_000,
  );
}

async function wireWebhook(s: Stack) {
  webhook = await startWebhook({ client: s.client, store: s.store, taskQueue: s.taskQueue, projectId: s.projectId });
  s.emulator.webhook.configure({
    enabled: true,
    url: webhook.url,
    auth: { type: 'bearer', token: webhook.token },
    delayMs: 50,
  });
  return webhook;
}

describe('audit webhooks into per-event apply workflows, started by one intake per delivery', () => {
  it('converges MongoDB to Descope after creates, modifies, deletes and batch operations', async () => {
    stack = await startStack({ emulator: { seed: 51, userCount: 100, testUserCount: 0 } });
    await stack.startWorker();
    await stack.client.workflow.execute(WORKFLOW_TYPES.backfill, {
      taskQueue: stack.taskQueue,
      workflowId: `bf-${stack.projectId}`,
      args: [{}],
    });
    await wireWebhook(stack);
    const users = stack.emulator.users.all();
    const created = Array.from({ length: 15 }, (_, i) =>
      stack!.emulator.users.create({ email: `hook-${i}@example.com` }),
    );
    for (const u of users.slice(0, 20)) stack.emulator.users.update(u.userId, { givenName: 'Hooked' });
    for (const u of users.slice(20, 30)) stack.emulator.users.delete(u.userId);
    stack.emulator.users.updateMany(
      users.slice(40, 45).map((u) => ({ userId: u.userId, patch: { status: 'disabled' } })),
    );
    stack.emulator.users.deleteMany(created.slice(0, 3).map((u) => u.userId));
    await stack.emulator.webhook.flush();
    await settled(stack);
    // A batch operation is ONE event, so one workflow: 15 + 20 + 10 single-user events, 1 UsersModified, 1 UsersDeleted.
    const relevant = stack.emulator.audit.events().filter((e) => e.action.startsWith('User'));
    expect(relevant.length).toBe(47);
    await waitUntil('one workflow per event', async () => (await eventWorkflows(stack!)) === 47);
    await expectExactCopy(stack);
    for (const u of [...users.slice(20, 30), ...created.slice(0, 3)]) {
      expect((await stack.store.getUser(u.userId))?.meta.deleted, u.userId).toBe(true);
    }
    const records = await stack.store.events.find({ outcome: { $exists: true } }).toArray();
    expect(records.length).toBe(47); // one record per event, a batch event's included
    expect(records.every((r) => typeof r.appliedAt === 'number' && r.appliedAt >= r.receivedAt)).toBe(true);
  });

  it('when each event is delivered three times, shuffled and reversed, starts one workflow per event and never writes a stale state', async () => {
    stack = await startStack({ emulator: { seed: 52, userCount: 60, testUserCount: 0 } });
    await stack.startWorker();
    await stack.client.workflow.execute(WORKFLOW_TYPES.backfill, {
      taskQueue: stack.taskQueue,
      workflowId: `bf-${stack.projectId}`,
      args: [{}],
    });
    webhook = await startWebhook({
      client: stack.client,
      store: stack.store,
      taskQueue: stack.taskQueue,
      projectId: stack.projectId,
    });
    const users = stack.emulator.users.all();
    for (const u of users.slice(0, 10)) {
      stack.emulator.users.update(u.userId, { name: 'first' });
      stack.emulator.users.update(u.userId, { name: 'second' });
    }
    for (const u of users.slice(10, 15)) stack.emulator.users.delete(u.userId);
    const events = stack.emulator.audit.events().filter((e) => e.action.startsWith('User'));
    expect(events.length).toBe(25);
    const deliveries = [events, [...events].reverse(), [...events].sort(() => Math.random() - 0.5)];
    for (const delivery of deliveries) {
      for (let i = 0; i < delivery.length; i += 7)
        expect((await webhook.post(delivery.slice(i, i + 7))).status).toBe(200);
    }
    await settled(stack);
    recordReliability({
      fault: 'Each webhook event delivered 3 times, shuffled and reversed',
      injected: 50,
      outcome: `${await eventWorkflows(stack)} workflows for 25 events`,
      lost: await countDifferences(
        stack,
        users.slice(10, 15).map((u) => u.userId),
      ),
    });
    expect(await eventWorkflows(stack)).toBe(25);
    await expectExactCopy(stack);
    for (const u of users.slice(0, 10)) expect((await stack.store.getUser(u.userId))?.user.name).toBe('second');
  });
});

describe('batch events that do not name their users', () => {
  it('start one targeted reconciliation for a burst, not one per event, and it catches the changes', async () => {
    stack = await startStack({ emulator: { seed: 54, userCount: 80, testUserCount: 0 } });
    await stack.startWorker();
    await stack.client.workflow.execute(WORKFLOW_TYPES.backfill, {
      taskQueue: stack.taskQueue,
      workflowId: `bf-${stack.projectId}`,
      args: [{}],
    });
    webhook = await startWebhook({
      client: stack.client,
      store: stack.store,
      taskQueue: stack.taskQueue,
      projectId: stack.projectId,
    });
    const users = stack.emulator.users.all();
    stack.emulator.users.updateMany(
      users.slice(0, 10).map((u) => ({ userId: u.userId, patch: { status: 'disabled' } })),
    );
    const occurred = Date.now();
    const burst = Array.from({ length: 20 }, (_, i) => ({
      action: 'UsersModified',
      occurred: occurred + i,
      actorId: 'K1',
      data: {},
    }));
    // One delivery: its window events share one run however fast that run finishes. Across deliveries a
    // finished run may run again for a later one (README, event path 5), so the count there depends on timing.
    expect((await webhook.post(burst)).status).toBe(200);
    const query = `WorkflowType = '${WORKFLOW_TYPES.reconcile}' AND TaskQueue = '${stack.taskQueue}'`;
    await waitUntil('the reconciliation to finish', async () => {
      const { count } = await stack!.client.workflow.count(`${query} AND ExecutionStatus = 'Completed'`);
      return count >= 1;
    });
    expect((await stack.client.workflow.count(query)).count).toBe(1);
    await expectExactCopy(stack);
  });
});

describe('durability before acknowledgement', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => {});
    cleanups.length = 0;
  });

  it('answers 503 quickly while Temporal is down, and accepts and applies the retry once it is back', async () => {
    const dbFile = join(cacheDir(), 'data', `webhook-outage-${Date.now()}`, 'temporal.db');
    let temporal = await startTemporalServer({ dbFile, ui: false });
    const port = Number(temporal.address.split(':')[1]);
    cleanups.push(() => temporal.stop());
    stack = await startStack({ emulator: { seed: 53, userCount: 5, testUserCount: 0 } });
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection });
    webhook = await startWebhook({
      client,
      store: stack.store,
      taskQueue: stack.taskQueue,
      projectId: stack.projectId,
      startTimeoutMs: 1000,
    });
    const user = stack.emulator.users.all()[0]!;
    const event = { action: 'UserModified', userId: user.userId, occurred: Date.now(), actorId: 'K1', data: {} };

    await temporal.stop();
    const started = Date.now();
    const refused = await webhook.post([event]);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    const refusedAfterMs = Date.now() - started;
    expect(refusedAfterMs).toBeLessThan(3000);

    temporal = await startTemporalServer({ dbFile, ui: false, port });
    await stack.startWorker({ temporalAddress: temporal.address, searchRpm: 6000, loadRpm: 6000 });
    cleanups.push(() => stack!.stopWorker()); // before the server it talks to stops
    const accepted = await waitUntil('Temporal to accept the retry', async () => {
      const res = await webhook!.post([event]);
      return res.status === 200 ? res : undefined;
    });
    expect(accepted.status).toBe(200);
    await waitUntil(
      'the event to be applied',
      async () => (await stack!.store.getUser(user.userId))?.meta.source === 'event',
    );
  });
});
