import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import fc from 'fast-check';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { FleetBudget, lateSlots } from '../../activities/budget';
import { DEFAULT_EVENT_BATCH } from '../../activities/eventBatches';
import { MongoStore, type DescopeUser } from '../../src/store';
import { WORKFLOW_TYPES, workflowIds, type ApplyEventInput } from '../../workflows/messages';
import { expectExactCopy, startStack, waitUntil, type Stack } from '../fixtures/stack';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** Descope's documented limits, plus a load limit just above the product's default budget (150/min). */
const DESCOPE_LIMITS = { load: { limit: 160, windowMs: 60_000, blockMs: 60_000 } };

/** Starts an event's workflow as the webhook's intake does: one per event id; a redelivery is a no-op. */
async function deliver(s: Stack, event: ApplyEventInput): Promise<boolean> {
  try {
    await s.client.workflow.start(WORKFLOW_TYPES.applyEvent, {
      taskQueue: s.taskQueue,
      workflowId: workflowIds.event(event.eventId),
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [event],
    });
    return true;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}

async function applied(s: Stack, eventIds: string[], timeoutMs = 60_000): Promise<void> {
  await waitUntil(
    `${eventIds.length} events to be applied`,
    async () =>
      (await s.store.events.countDocuments({ _id: { $in: eventIds }, appliedAt: { $exists: true } })) ===
      eventIds.length,
    timeoutMs,
  );
}

/** Descope requests the event path made: batch loads, single loads and searches (the userIds confirmations). */
function descopeRequests(s: Stack): number {
  return ['loadUsers', 'load', 'search'].reduce((n, endpoint) => n + s.emulator.counters.total(endpoint), 0);
}

/** How far apart the events' apply activities were scheduled (from their histories). */
async function activityStartSpread(s: Stack, events: ApplyEventInput[]): Promise<number> {
  const starts: number[] = [];
  for (const e of events) {
    const history = await s.client.workflow.getHandle(workflowIds.event(e.eventId)).fetchHistory();
    const started = history.events?.find((ev) => ev.activityTaskScheduledEventAttributes);
    if (started?.eventTime?.seconds)
      starts.push(Number(started.eventTime.seconds) * 1000 + Math.floor((started.eventTime.nanos ?? 0) / 1e6));
  }
  return Math.max(...starts) - Math.min(...starts);
}

function single(action: string, userId: string): ApplyEventInput {
  return { eventId: `ev-${randomUUID()}`, action, userId, occurredMs: Date.now(), receivedMs: Date.now() };
}

async function storeAll(s: Stack, users: { userId: string }[]): Promise<void> {
  const observedAt = Date.now() - 60_000;
  await s.store.writeUsers(
    users.map((user) => ({ kind: 'snapshot' as const, user: user as DescopeUser, observedAt })),
    'backfill',
  );
}

describe('batched event reads (against the real servers and the emulator)', () => {
  // The time targets (60 s for these batch events, 30 s for the 300 mutations, lag p99 2 s) are FIGURES:
  // each test prints its time, and the webhook bench reports them; a timed assertion would only flake on a
  // loaded machine. The tests assert what must hold whatever the machine: every user applied, the request
  // bound, no 429, the exact copy.
  it('a UsersCreated event naming 5,000 new users is applied in at most 50 + 2 Descope requests, with no 429 (time printed)', async () => {
    stack = await startStack({ emulator: { seed: 61, userCount: 0, testUserCount: 0, rateLimits: DESCOPE_LIMITS } });
    await stack.startWorker({ loadRpm: 150, searchRpm: 150 });
    const created = stack.emulator.users.createMany(Array.from({ length: 5000 }, (_, i) => ({ email: `b${i}@x.io` })));
    stack.emulator.counters.reset();
    const started = Date.now();
    const event = { eventId: 'batch-5000', action: 'UsersCreated', userIds: created.map((u) => u.userId) };
    await deliver(stack, { ...event, receivedMs: started });
    // FerretDB v1 scans every stored user for each of the 1,000 replaces (see Known limitations): 116 s in one
    // CI run on this machine, over 180 s in the next with other test files busy beside it. The figure here is
    // the request count; the wait only has to end.
    await applied(stack, [event.eventId], 360_000);
    const seconds = (Date.now() - started) / 1000;
    expect(descopeRequests(stack)).toBeLessThanOrEqual(Math.ceil(5000 / 100) + 2);
    expect(stack.emulator.counters.total('loadUsers', 429) + stack.emulator.counters.total('search', 429)).toBe(0);
    const record = await stack.store.events.findOne({ _id: event.eventId });
    expect(record).toMatchObject({ action: 'UsersCreated', userId: null, users: 5000, counts: { applied: 5000 } });
    await expectExactCopy(stack);
    console.log(`5,000-user UsersCreated: ${seconds.toFixed(1)} s, ${descopeRequests(stack)} Descope requests`);
  }, 240_000);

  // On FerretDB v1 (the local default) a replace costs a scan of the stored users in SQLite; with the guard in
  // the filter it cost a decode of every stored document, and 1,000 users took minutes (see serverLimits.ts).
  it('a UsersModified event naming 1,000 stored users is applied in at most 10 + 2 requests (time printed)', async () => {
    const n = 1000;
    stack = await startStack({ emulator: { seed: 62, userCount: n, testUserCount: 0, rateLimits: DESCOPE_LIMITS } });
    await storeAll(stack, stack.emulator.users.all());
    await stack.startWorker({ loadRpm: 150, searchRpm: 150 });
    const users = stack.emulator.users.all();
    stack.emulator.users.updateMany(users.map((u) => ({ userId: u.userId, patch: { givenName: 'Batched' } })));
    stack.emulator.counters.reset();
    const started = Date.now();
    const event = { eventId: `batch-${n}`, action: 'UsersModified', userIds: users.map((u) => u.userId) };
    await deliver(stack, { ...event, receivedMs: started });
    // FerretDB v1 scans every stored user for each of the 1,000 replaces (see Known limitations): 116 s in one
    // CI run on this machine, over 180 s in the next with other test files busy beside it. The figure here is
    // the request count; the wait only has to end.
    await applied(stack, [event.eventId], 360_000);
    const seconds = (Date.now() - started) / 1000;
    expect(descopeRequests(stack)).toBeLessThanOrEqual(Math.ceil(n / 100) + 2);
    expect(await stack.store.events.findOne({ _id: event.eventId })).toMatchObject({ counts: { applied: n } });
    await expectExactCopy(stack);
    console.log(`${n}-user UsersModified: ${seconds.toFixed(1)} s, ${descopeRequests(stack)} Descope requests`);
  }, 420_000);

  it('a UsersDeleted event: users neither the batch load nor the one userIds search returns are tombstoned', async () => {
    stack = await startStack({ emulator: { seed: 63, userCount: 250, testUserCount: 0 } });
    await storeAll(stack, stack.emulator.users.all());
    await stack.startWorker({ loadRpm: 150, searchRpm: 150 });
    const gone = stack.emulator.users
      .all()
      .slice(0, 150)
      .map((u) => u.userId);
    stack.emulator.users.deleteMany(gone);
    stack.emulator.counters.reset();
    await deliver(stack, { eventId: 'batch-del', action: 'UsersDeleted', userIds: gone, receivedMs: Date.now() });
    await applied(stack, ['batch-del']);
    expect(descopeRequests(stack)).toBeLessThanOrEqual(Math.ceil(150 / 100) + 2);
    expect(stack.emulator.counters.total('load')).toBe(0);
    expect(await stack.store.events.findOne({ _id: 'batch-del' })).toMatchObject({ counts: { tombstoned: 150 } });
    expect(await stack.store.countUsers()).toEqual({ live: 100, deleted: 150 });
    await expectExactCopy(stack);
  });

  it('N single-user events arriving within a second cost at most ceil(N/100) + 2 requests, and MongoDB converges', async () => {
    stack = await startStack({ emulator: { seed: 64, userCount: 120, testUserCount: 0, rateLimits: DESCOPE_LIMITS } });
    await storeAll(stack, stack.emulator.users.all());
    const users = stack.emulator.users.all();
    const events: ApplyEventInput[] = [];
    for (const u of users.slice(0, 60)) {
      stack.emulator.users.update(u.userId, { familyName: 'Burst' });
      events.push(single('UserModified', u.userId));
    }
    for (const u of users.slice(60, 90)) {
      stack.emulator.users.delete(u.userId);
      events.push(single('UserDeleted', u.userId));
    }
    for (let i = 0; i < 60; i++)
      events.push(single('UserCreated', stack.emulator.users.create({ email: `n${i}@x.io` }).userId));
    stack.emulator.counters.reset();
    const started = Date.now();
    await Promise.all(events.map((e) => deliver(stack!, e)));
    const startedIn = Date.now() - started;
    // The worker starts once every event waits for it, so the events reach it together (within a second),
    // whatever Temporal's own start latency on a loaded machine.
    await stack.startWorker({ loadRpm: 150, searchRpm: 150 });
    await applied(
      stack,
      events.map((e) => e.eventId),
    );
    const requests = descopeRequests(stack);
    const spreadMs = await activityStartSpread(stack, events);
    console.log(
      `${events.length} single-user events (started in ${startedIn} ms, applies began within ${spreadMs} ms): ${requests} Descope requests`,
    );
    // The target's premise is events reaching the worker within a second; on a loaded machine the worker may
    // take longer to begin them, and each further linger window may cost one load and one search more.
    const windows = Math.max(0, Math.ceil((spreadMs - 1000) / DEFAULT_EVENT_BATCH.lingerMs));
    expect(requests).toBeLessThanOrEqual(Math.ceil(events.length / 100) + 2 + 2 * windows);
    await expectExactCopy(stack);
  });

  it('300 mutations delivered 3 times, shuffled and jittered, reach MongoDB exactly (time after the last delivery printed)', async () => {
    stack = await startStack({ emulator: { seed: 65, userCount: 200, testUserCount: 0, rateLimits: DESCOPE_LIMITS } });
    await storeAll(stack, stack.emulator.users.all());
    await stack.startWorker({ loadRpm: 150, searchRpm: 150 });
    const users = stack.emulator.users.all();
    const events: ApplyEventInput[] = [];
    const random = fc.sample(fc.integer({ min: 0, max: 1_000_000 }), { seed: 65, numRuns: 2000 });
    let r = 0;
    for (let i = 0; i < 300; i++) {
      const kind = i % 3;
      const target = users[random[r++]! % users.length]!;
      if (kind === 0 || !stack.emulator.users.get(target.userId)) {
        events.push(single('UserCreated', stack.emulator.users.create({ email: `m${i}@x.io` }).userId));
      } else if (kind === 1) {
        stack.emulator.users.update(target.userId, { name: `v${i}` });
        events.push(single('UserModified', target.userId));
      } else {
        stack.emulator.users.delete(target.userId);
        events.push(single('UserDeleted', target.userId));
      }
    }
    const deliveries = [...events, ...events, ...events]
      .map((e) => ({ e, key: random[r++ % random.length]! }))
      .sort((a, b) => a.key - b.key)
      .map(({ e }) => e);
    let lastDelivery = 0;
    for (let i = 0; i < deliveries.length; i += 30) {
      await Promise.all(deliveries.slice(i, i + 30).map((e) => deliver(stack!, e)));
      lastDelivery = Date.now();
      await new Promise((resolve) => setTimeout(resolve, random[r++ % random.length]! % 150)); // jitter between deliveries
    }
    await applied(stack, [...new Set(events.map((e) => e.eventId))], 240_000);
    console.log(`300 mutations x3: applied ${Date.now() - lastDelivery} ms after the last delivery`);
    await expectExactCopy(stack);
    const deleted = events.filter((e) => e.action === 'UserDeleted').map((e) => e.userId!);
    for (const id of deleted)
      if (!stack.emulator.users.get(id)) expect((await stack.store.getUser(id))?.meta.deleted).toBe(true);
  }, 300_000);

  it('at 5 single-user events per second sustained, every event is applied and recorded with its lag (p50, p99 printed)', async () => {
    stack = await startStack({ emulator: { seed: 66, userCount: 200, testUserCount: 0, rateLimits: DESCOPE_LIMITS } });
    await storeAll(stack, stack.emulator.users.all());
    await stack.startWorker({ loadRpm: 150, searchRpm: 150 });
    const users = stack.emulator.users.all();
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const target = users[i]!;
      stack.emulator.users.update(target.userId, { name: `lag${i}` });
      const event = single('UserModified', target.userId);
      ids.push(event.eventId);
      await deliver(stack, event);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await applied(stack, ids, 180_000);
    const lags = (await stack.store.events.find({ _id: { $in: ids } }).toArray())
      .map((e) => e.appliedAt! - e.receivedAt)
      .sort((a, b) => a - b);
    const p99 = lags[Math.ceil(lags.length * 0.99) - 1]!;
    console.log(`lag at 5 events/s: p50 ${lags[lags.length >> 1]} ms, p99 ${p99} ms`);
    expect(lags).toHaveLength(100);
    expect(lags.every((lag) => lag >= 0)).toBe(true);
    await expectExactCopy(stack);
  }, 240_000);
});

describe('the fleet-wide Descope budget (slots in MongoDB)', () => {
  const stores: MongoStore[] = [];
  afterEach(async () => {
    await stores[0]?.db.dropDatabase().catch(() => {});
    for (const s of stores.splice(0)) await s.close();
  });

  async function twoProcesses(rpm: number) {
    const db = `budget_${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 2; i++) stores.push(await MongoStore.connect(inject('mongoUri'), db));
    return stores.map((s) => FleetBudget.inDatabase(s.db, { search: rpm, load: rpm }));
  }

  it('two worker processes sharing one store never send more than the budget in any window', async () => {
    const rpm = 3000; // 20 ms slots, so a second holds 50 requests
    const [a, b] = await twoProcesses(rpm);
    const sentAt: number[] = [];
    const takeMany = (budget: FleetBudget, n: number) =>
      Promise.all(Array.from({ length: n }, () => budget.take('load').then(() => sentAt.push(Date.now()))));
    const started = Date.now();
    await Promise.all([takeMany(a!, 80), takeMany(b!, 80)]);
    sentAt.sort((x, y) => x - y);
    const windowMs = 1000;
    const allowed = (windowMs / 60_000) * rpm + lateSlots(rpm) + 1;
    let worst = 0;
    for (let i = 0, j = 0; i < sentAt.length; i++) {
      while (sentAt[i]! - sentAt[j]! >= windowMs) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(allowed);
    // 160 requests at 50 per second take about three seconds, shared by both processes.
    expect(Date.now() - started).toBeGreaterThanOrEqual(((160 - lateSlots(rpm) - 1) * 60_000) / rpm - 50);
  });

  it('a request waiting for its slot stops waiting when its activity is cancelled', async () => {
    const [a] = await twoProcesses(60); // one request a second
    for (let i = 0; i < lateSlots(60) + 2; i++) await a!.take('search');
    const controller = new AbortController();
    const waiting = a!.take('search', controller.signal);
    const abortedAt = Date.now();
    setTimeout(() => controller.abort(new Error('cancelled')), 50);
    await expect(waiting).rejects.toThrow('cancelled');
    expect(Date.now() - abortedAt).toBeLessThan(500);
  });
});
