import { Client, Connection, type ConnectionOptions, type WorkflowClientInterceptor } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import fc from 'fast-check';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { WORKFLOW_TYPES, workflowIds, type ApplyEventInput, type ReconcileInput } from '../../workflows/messages';
import type { IntakeResult } from '../../workflows/intakeDelivery';
import type { AuditEvent } from '../../src/emulator/types';
import { expectExactCopy, startStack, waitUntil, type Stack } from '../fixtures/stack';
import { startWebhook, type RunningWebhook } from '../fixtures/webhook';

type GrpcInterceptor = NonNullable<ConnectionOptions['interceptors']>[number];

let stack: Stack | undefined;
let webhook: RunningWebhook | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await webhook?.close();
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => {});
  await stack?.close();
  stack = undefined;
  webhook = undefined;
});

/**
 * A Temporal client whose every gRPC call (start, signal, describe, ...) is recorded by method name; with
 * `startDelayMs`, each workflow start reaches the server that much later, as on a loaded server.
 */
async function countingClient(startDelayMs = 0): Promise<{ client: Client; calls: string[] }> {
  const calls: string[] = [];
  const record: GrpcInterceptor = (options, nextCall) => {
    const method = String(options.method_definition.path).split('/').pop() ?? '';
    calls.push(method);
    return nextCall(options) as ReturnType<GrpcInterceptor>;
  };
  const connection = await Connection.connect({ address: inject('temporalAddress'), interceptors: [record] });
  cleanups.push(() => connection.close());
  const slower: WorkflowClientInterceptor = {
    start: async (input, next) => {
      await delay(startDelayMs);
      return next(input);
    },
  };
  return { client: new Client({ connection, interceptors: { workflow: startDelayMs > 0 ? [slower] : [] } }), calls };
}

async function backfilledStack(seed: number, userCount: number): Promise<Stack> {
  const s = await startStack({ emulator: { seed, userCount, testUserCount: 0 } });
  await s.startWorker();
  await s.client.workflow.execute(WORKFLOW_TYPES.backfill, {
    taskQueue: s.taskQueue,
    workflowId: `bf-${s.projectId}`,
    args: [{}],
  });
  return s;
}

/** The product's webhook app on the stack's store and task queue (the stack's own client unless given). */
function webhookOn(s: Stack, options: Partial<Parameters<typeof startWebhook>[0]> = {}): Promise<RunningWebhook> {
  return startWebhook({ client: s.client, store: s.store, taskQueue: s.taskQueue, projectId: s.projectId, ...options });
}

/** Every run of a workflow type on the stack's task queue, by workflow id. */
async function runsById(s: Stack, type: string): Promise<Map<string, number>> {
  const runs = new Map<string, number>();
  const query = `WorkflowType = '${type}' AND TaskQueue = '${s.taskQueue}'`;
  for await (const wf of s.client.workflow.list({ query })) runs.set(wf.workflowId, (runs.get(wf.workflowId) ?? 0) + 1);
  return runs;
}

async function countOf(s: Stack, type: string, status?: string): Promise<number> {
  const filter = status ? ` AND ExecutionStatus = '${status}'` : '';
  const query = `WorkflowType = '${type}' AND TaskQueue = '${s.taskQueue}'${filter}`;
  return (await s.client.workflow.count(query)).count;
}

/** Waits until `events` event workflows exist and neither they nor any intake is still running. */
async function settled(s: Stack, events: number): Promise<void> {
  await waitUntil(
    `${events} event workflows to finish`,
    async () =>
      (await countOf(s, WORKFLOW_TYPES.intake, 'Running')) === 0 &&
      (await countOf(s, WORKFLOW_TYPES.applyEvent, 'Running')) === 0 &&
      (await countOf(s, WORKFLOW_TYPES.applyEvent)) >= events,
    90_000,
  );
}

async function inputOf<T>(s: Stack, workflowId: string): Promise<T> {
  const history = await s.client.workflow.getHandle(workflowId).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  return defaultPayloadConverter.fromPayload(payload!);
}

const userEvents = (s: Stack) => s.emulator.audit.events().filter((e) => e.action.startsWith('User'));
const posted = async (body: unknown) => {
  const reply = await webhook!.post(body);
  expect(reply.status).toBe(200);
  return (await reply.json()) as { accepted: number; duplicates: number; intake?: string };
};

describe('acknowledging a delivery costs one Temporal call, whatever its size', () => {
  it('a 1-event and a 100-event delivery each cost one call; the intake starts every event workflow as its child', async () => {
    stack = await backfilledStack(61, 0);
    const { client, calls } = await countingClient();
    webhook = await webhookOn(stack, { client });
    for (let i = 0; i < 101; i++) stack.emulator.users.create({ email: `ack-${i}@example.com` });
    const [first, ...rest] = userEvents(stack);
    expect(rest).toHaveLength(100);

    calls.length = 0;
    expect(await posted([first])).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(calls).toEqual(['StartWorkflowExecution']);
    calls.length = 0;
    const reply = await posted(rest);
    expect(reply).toMatchObject({ accepted: 100, duplicates: 0 });
    expect(calls).toEqual(['StartWorkflowExecution']);

    await settled(stack, 101);
    const intake = await stack.client.workflow.getHandle(reply.intake!).result();
    expect(intake).toMatchObject({ started: 100, duplicates: 0 });
    for (const event of rest.slice(0, 5)) {
      const described = await stack.client.workflow.getHandle(workflowIds.event(event.ID)).describe();
      expect(described.parentExecution?.workflowId).toBe(reply.intake);
      expect(described.status.name).toBe('COMPLETED');
    }
    await expectExactCopy(stack);
  });

  it('16 one-event deliveries in flight share intake starts: far fewer calls than deliveries, every event applied once', async () => {
    stack = await backfilledStack(64, 0);
    // Each start takes 300 ms more, as on a loaded server: the deliveries posted together then arrive while
    // the first starts are out, whatever this machine's speed.
    const { client, calls } = await countingClient(300);
    webhook = await webhookOn(stack, { client });
    for (let i = 0; i < 16; i++) stack.emulator.users.create({ email: `group-${i}@example.com` });
    const events = userEvents(stack);
    calls.length = 0;
    const replies = await Promise.all(events.map((event) => posted(event)));
    const starts = calls.filter((c) => c === 'StartWorkflowExecution');
    // The first two start alone; the fourteen arriving meanwhile share the next start (or two, if some arrive late).
    expect(starts.length).toBeLessThanOrEqual(4);
    expect(new Set(replies.map((r) => r.intake)).size).toBe(starts.length);
    expect(replies.map((r) => [r.accepted, r.duplicates])).toEqual(events.map(() => [1, 0]));

    await settled(stack, 16);
    const runs = await runsById(stack, WORKFLOW_TYPES.applyEvent);
    expect([...runs.keys()].sort()).toEqual(events.map((e) => workflowIds.event(e.ID)).sort());
    await expectExactCopy(stack);
  });
});

describe('duplicates across deliveries', () => {
  it('the same delivery again, an event inside another delivery, a batch event redelivered: each event workflow exists once', async () => {
    stack = await backfilledStack(62, 40);
    webhook = await webhookOn(stack);
    const users = stack.emulator.users.all();
    for (const u of users.slice(0, 6)) stack.emulator.users.update(u.userId, { givenName: 'Once' });
    const batch = users.slice(10, 30);
    stack.emulator.users.updateMany(batch.map((u) => ({ userId: u.userId, patch: { familyName: 'Batched' } })));
    stack.emulator.users.deleteMany(users.slice(30, 35).map((u) => u.userId));
    const events = userEvents(stack);
    expect(events.map((e) => e.action).slice(-2)).toEqual(['UsersModified', 'UsersDeleted']);
    const [e0, e1, e2, e3, e4, e5, modified, deleted] = events as [
      AuditEvent,
      AuditEvent,
      AuditEvent,
      AuditEvent,
      AuditEvent,
      AuditEvent,
      AuditEvent,
      AuditEvent,
    ];

    const a = await posted([e0, e1, e2, modified]);
    expect(await posted([e0, e1, e2, modified])).toEqual({ ...a, accepted: 0, duplicates: 4 });
    const b = await posted([e2, e3, e4, e5, deleted]);
    const c = await posted([deleted, modified, e0]);
    expect([a.accepted, b.accepted, c.accepted]).toEqual([4, 5, 3]);

    await settled(stack, 8);
    const runs = await runsById(stack, WORKFLOW_TYPES.applyEvent);
    expect([...runs.keys()].sort()).toEqual(events.map((e) => workflowIds.event(e.ID)).sort());
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    const resultOf = (id: string) => stack!.client.workflow.getHandle(id).result() as Promise<IntakeResult>;
    // Which intake starts an event shared by two deliveries depends on which runs first: the sums do not.
    const results = await Promise.all([a.intake!, b.intake!, c.intake!].map(resultOf));
    expect(results.reduce((sum, r) => sum + r.started, 0)).toBe(events.length);
    expect(results.reduce((sum, r) => sum + r.duplicates, 0)).toBe(4 + 5 + 3 - events.length);
    const batchInput = await inputOf<ApplyEventInput>(stack, workflowIds.event(modified.ID));
    expect(batchInput).toMatchObject({ action: 'UsersModified', userIds: batch.map((u) => u.userId) });
    expect(batchInput.userId).toBeUndefined();
    await expectExactCopy(stack);
  });

  it('16 deliveries in flight, seeded, each a random slice of the same events: every event workflow once, MongoDB exact', async () => {
    stack = await backfilledStack(63, 30);
    webhook = await webhookOn(stack);
    const users = stack.emulator.users.all();
    for (const u of users.slice(0, 20)) stack.emulator.users.update(u.userId, { name: `burst ${u.userId}` });
    for (const u of users.slice(20, 25)) stack.emulator.users.delete(u.userId);
    stack.emulator.users.updateMany(users.slice(25, 30).map((u) => ({ userId: u.userId, patch: { phone: '+1555' } })));
    const events = userEvents(stack);
    const slices = fc.sample(fc.shuffledSubarray(events, { minLength: 1 }), { numRuns: 15, seed: 1515 });
    const deliveries = [...slices, events];
    const replies = await Promise.all(deliveries.map((d) => webhook!.post(d)));
    expect(replies.map((r) => r.status)).toEqual(deliveries.map(() => 200));

    await settled(stack, events.length);
    const runs = await runsById(stack, WORKFLOW_TYPES.applyEvent);
    expect(runs.size).toBe(events.length);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    await expectExactCopy(stack);
  });
});

describe('batch events that name no users go through the intake', () => {
  it('a reconciliation gets the event time and RECONCILE_OVERLAP, a sweep gets SWEEP_MAX_DELETE_FRACTION, and a redelivered UsersDeleted does not sweep again', async () => {
    stack = await backfilledStack(64, 20);
    webhook = await webhookOn(stack, {
      overlapMs: 120_000,
      maxDeleteFraction: 0.3,
    });
    const occurred = Date.now();
    const modified = { action: 'UsersModified', occurred, actorId: 'K1', data: {}, projectId: stack.projectId };
    const deleted = { ...modified, action: 'UsersDeleted', occurred: occurred + 1 };
    await posted([modified, deleted]);
    const runsOf = () => runsById(stack!, WORKFLOW_TYPES.reconcile);
    await waitUntil(
      'both runs to finish',
      async () => (await countOf(stack!, WORKFLOW_TYPES.reconcile, 'Completed')) === 2,
    );
    const ids = [...(await runsOf()).keys()];
    const sweep = ids.find((id) => id.includes('-sweep-'));
    const window = ids.find((id) => id.includes('-window-'));
    expect(await inputOf<ReconcileInput>(stack, window!)).toEqual({
      mode: 'incremental',
      fromMs: occurred,
      overlapMs: 120_000,
    });
    expect(await inputOf<ReconcileInput>(stack, sweep!)).toEqual({ mode: 'full', maxDeleteFraction: 0.3 });

    // The same UsersDeleted inside another delivery, after its sweep finished: no second full read.
    const again = await posted([deleted, { ...modified, occurred: occurred + 2 }]);
    await stack.client.workflow.getHandle(again.intake!).result();
    expect((await runsOf()).get(sweep!)).toBe(1);
  });
});
