import { WorkflowFailedError, type WorkflowClient } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import { createPrng } from '../../src/emulator/prng';
import type { ApplyEventInput, OutcomeCounts, ScanCursor } from '../../src/messages';
import { useLocalTestServer } from '../fixtures/localTestServer';
import type { IntakeInput, IntakeResult } from '../../workflows/intakeDelivery';
import {
  RECONCILE_STATE_ID,
  WORKFLOW_TYPES,
  taskQueues,
  workflowIds,
  type ReconcileInput,
  type ReconcileResult,
} from '../../workflows/messages';

/**
 * reconcileUsers, applyAuditEvent and intakeDelivery over mocked activities, on Temporal's local test server (the
 * locally built CLI binary; nothing is downloaded): what each workflow asks of its activities and what it makes of
 * their answers, checked in seconds. The real-server tests in test/integration cover the whole path.
 */

const server = useLocalTestServer();

/** Runs `drive` with a workflow worker and the search and load workers on `queue`, all on `activities`. */
async function withWorkers<T>(
  queue: string,
  activities: Partial<Activities>,
  drive: (client: WorkflowClient) => Promise<T>,
): Promise<T> {
  const common = { connection: server.env.nativeConnection, namespace: server.env.namespace, activities };
  const [main, search, load] = await Promise.all([
    Worker.create({ ...common, taskQueue: queue, workflowBundle: server.bundle }),
    Worker.create({ ...common, taskQueue: taskQueues.search(queue) }),
    Worker.create({ ...common, taskQueue: taskQueues.load(queue) }),
  ]);
  return main.runUntil(search.runUntil(load.runUntil(drive(server.env.client.workflow))));
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A reconciliation's activities over an in-memory state, a scan that reads one page and a sweep's store. */
function reconcileMocks(options: { watermarkMs?: number; live?: number; candidates?: string[]; absent?: string[] }) {
  const state = new Map<string, Record<string, unknown>>(
    options.watermarkMs === undefined ? [] : [[RECONCILE_STATE_ID, { watermarkMs: options.watermarkMs }]],
  );
  const seen = { cursors: [] as ScanCursor[], raised: [] as number[], tombstoned: [] as string[], confirmed: 0 };
  const candidates = options.candidates ?? [];
  const absent = new Set(options.absent ?? candidates);
  const activities: Partial<Activities> = {
    async loadSyncState(id) {
      return state.get(id) ?? null;
    },
    async saveSyncState(id, fields) {
      state.set(id, { ...state.get(id), ...fields });
    },
    async raiseSyncState(_id, _field, value) {
      seen.raised.push(value);
    },
    async scanPage(input) {
      seen.cursors.push(input.cursor);
      const totals = { seen: 9, applied: 4, unchanged: 3, stale: 2, tombstoned: 0, inserted: 1 };
      return { cursor: { ...input.cursor, done: true }, total: 9, totals };
    },
    async countLiveUsers() {
      return options.live ?? 0;
    },
    async listSweepCandidates({ afterId, limit }) {
      const start = afterId === null ? 0 : candidates.indexOf(afterId) + 1;
      const page = candidates.slice(start, start + limit);
      const more = start + limit < candidates.length;
      return { candidates: page, next: more ? page[page.length - 1]! : null };
    },
    async confirmAbsent(userIds) {
      return userIds.filter((id) => absent.has(id));
    },
    async confirmMissing(userIds) {
      seen.confirmed += userIds.length;
      return userIds.map((userId) => ({ userId, observedAt: 1 }));
    },
    async writeTombstones(users) {
      seen.tombstoned.push(...users.map((u) => u.userId));
      return users.length;
    },
    async pruneEventRecords() {
      return 0;
    },
  };
  return { activities, state, seen };
}

function reconcile(queue: string, input: ReconcileInput, mocks: ReturnType<typeof reconcileMocks>) {
  return withWorkers(queue, mocks.activities, (client) =>
    client.execute(WORKFLOW_TYPES.reconcile, { taskQueue: queue, workflowId: `rc-${queue}`, args: [input] }),
  ) as Promise<ReconcileResult>;
}

describe('reconcileUsers over mocked activities', () => {
  it('reads from the watermark minus the overlap, raises the watermark to where it read, and reports drift', async () => {
    const mocks = reconcileMocks({ watermarkMs: 1_700_000_123_456 });
    const result = await reconcile('rc-inc', { overlapMs: 60_000 }, mocks);
    // The whole second that holds (watermark - overlap) is read again: `from` is exclusive and times are seconds.
    expect(mocks.seen.cursors[0]).toMatchObject({ field: 'modifiedTime', fromMs: 1_700_000_063_000 - 1 });
    expect(result.watermarkMs).toBe(mocks.seen.cursors[0]!.upperMs);
    expect(mocks.seen.raised).toEqual([result.watermarkMs]);
    expect(result.drift).toEqual({ current: 5, missed: 4, deleted: 0, stale: 4 });
    expect(mocks.state.get(RECONCILE_STATE_ID)).toMatchObject({ lastIncremental: { drift: result.drift } });
  });

  it('leaves the watermark alone for a targeted window (fromMs)', async () => {
    const mocks = reconcileMocks({ watermarkMs: 1_700_000_000_000 });
    const result = await reconcile('rc-window', { fromMs: 1_700_000_500_000, overlapMs: 0 }, mocks);
    expect(mocks.seen.cursors[0]).toMatchObject({ fromMs: 1_700_000_500_000 - 1 });
    expect(result.watermarkMs).toBeNull();
    expect(mocks.seen.raised).toEqual([]);
  });

  it('refuses a mass deletion before writing any tombstone, and deletes it all with force', async () => {
    const candidates = Array.from({ length: 230 }, (_, i) => `U${String(i).padStart(3, '0')}`);
    const refused = reconcileMocks({ live: 1000, candidates });
    const failure = await reconcile('rc-guard', { mode: 'full', maxDeleteFraction: 0.1 }, refused).catch((e) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String(failure.cause?.message)).toMatch(/Mass-deletion guard: \d+ confirmed deletions of 1000/);
    expect(refused.seen.tombstoned).toEqual([]);
    expect(refused.state.get(RECONCILE_STATE_ID)).toHaveProperty('lastSweepRefused');
    // It stops at the first batch over the limit (100 > 100 is not over it; 200 is): it reads no further.
    expect(refused.seen.confirmed).toBe(200);

    const forced = reconcileMocks({ live: 1000, candidates });
    const result = await reconcile('rc-force', { mode: 'full', maxDeleteFraction: 0.1, force: true }, forced);
    expect(forced.seen.tombstoned.sort()).toEqual(candidates);
    expect(result.drift.deleted).toBe(candidates.length);
    expect(forced.seen.cursors[0]).toMatchObject({ field: 'createdTime', fromMs: 0 });
  });

  it('counts only absences Descope confirms against the guard (seeded)', async () => {
    for (const seed of [3, 4, 5]) {
      const random = createPrng(seed);
      const candidates = Array.from({ length: 150 + random.int(0, 100) }, (_, i) => `S${seed}-${1000 + i}`);
      const absent = candidates.filter(() => random.chance(0.04));
      const mocks = reconcileMocks({ live: 200, candidates, absent });
      const result = await reconcile(`rc-confirm-${seed}`, { mode: 'full', maxDeleteFraction: 0.1 }, mocks);
      expect(result.drift.deleted, `seed ${seed}`).toBe(absent.length);
      expect(mocks.seen.tombstoned, `seed ${seed}`).toEqual(absent);
    }
  });
});

/** An apply that answers `applied` for each user and records what it was asked, and how many ran at once. */
function applyMocks() {
  const seen = { calls: [] as { eventId: string; userIds: string[]; record: boolean }[], inFlight: 0, most: 0 };
  const recorded: { eventId: string; counts: OutcomeCounts }[] = [];
  const activities: Partial<Activities> = {
    async applyUsers({ event, userIds, record }) {
      seen.inFlight += 1;
      seen.most = Math.max(seen.most, seen.inFlight);
      seen.calls.push({ eventId: event.eventId, userIds, record });
      await new Promise((r) => setTimeout(r, 30));
      seen.inFlight -= 1;
      return userIds.length === 0 ? {} : { applied: userIds.length };
    },
    async recordAppliedEvent({ event, counts }) {
      recorded.push({ eventId: event.eventId, counts });
    },
  };
  return { activities, seen, recorded };
}

describe('applyAuditEvent over mocked activities', () => {
  it('applies a single-user event in one activity that also records the event', async () => {
    const mocks = applyMocks();
    const event: ApplyEventInput = { eventId: 'one-1', action: 'UserModified', userId: 'U1', occurredMs: 1 };
    const outcome = await withWorkers('ev-one', mocks.activities, (client) =>
      client.execute(WORKFLOW_TYPES.applyEvent, { taskQueue: 'ev-one', workflowId: 'ev-one', args: [event] }),
    );
    expect(outcome).toBe('applied');
    expect(mocks.seen.calls).toEqual([{ eventId: 'one-1', userIds: ['U1'], record: true }]);
    expect(mocks.recorded).toEqual([]);
  });

  it('applies each user of a batch event once, in chunks of at most 500, four at a time, then records it (seeded)', async () => {
    const random = createPrng(17);
    const unique = Array.from({ length: 2345 }, (_, i) => `B${i}`);
    const userIds = [...unique, ...unique.filter(() => random.chance(0.05))];
    const mocks = applyMocks();
    const event: ApplyEventInput = { eventId: 'batch-1', action: 'UsersModified', userIds };
    const outcome = await withWorkers('ev-batch', mocks.activities, (client) =>
      client.execute(WORKFLOW_TYPES.applyEvent, { taskQueue: 'ev-batch', workflowId: 'ev-batch', args: [event] }),
    );
    const applied = mocks.seen.calls.flatMap((c) => c.userIds);
    expect(applied.sort()).toEqual([...unique].sort());
    expect(mocks.seen.calls.every((c) => c.userIds.length <= 500 && !c.record)).toBe(true);
    expect(mocks.seen.calls).toHaveLength(5);
    expect(mocks.seen.most).toBeLessThanOrEqual(4);
    expect(mocks.recorded).toEqual([{ eventId: 'batch-1', counts: { applied: unique.length } }]);
    expect(outcome).toBe(`applied ${unique.length}`);
  });
});

describe('intakeDelivery over mocked activities', () => {
  const base = { projectId: 'P-unit', searchAttributes: false, reconcile: { overlapMs: 0, maxDeleteFraction: 0.1 } };
  const events = (prefix: string, n: number): ApplyEventInput[] =>
    Array.from({ length: n }, (_, i) => ({ eventId: `${prefix}-${i}`, action: 'UserModified', userId: `U${i}` }));

  it('starts one event workflow per event across continue-as-new, and a repeated event is a counted no-op', async () => {
    const mocks = applyMocks();
    const queue = 'in-events';
    const first: IntakeInput = { ...base, events: events('in', 7), windows: [], startsPerRun: 3 };
    const again: IntakeInput = { ...base, events: events('in', 9).slice(5), windows: [] };
    const [one, two] = await withWorkers(queue, mocks.activities, async (client) => {
      const run = (input: IntakeInput, id: string) =>
        client.execute(WORKFLOW_TYPES.intake, { taskQueue: queue, workflowId: id, args: [input] });
      const a = (await run(first, 'intake-a')) as IntakeResult;
      await until('the first delivery applied', () => mocks.seen.calls.length === 7);
      const b = (await run(again, 'intake-b')) as IntakeResult;
      await until('the second delivery applied', () => mocks.seen.calls.length === 9);
      return [a, b];
    });
    expect(one).toMatchObject({ started: 7, duplicates: 0, runs: 3 });
    expect(two).toMatchObject({ started: 2, duplicates: 2, runs: 1 });
    const perEvent = new Map<string, number>();
    for (const call of mocks.seen.calls) perEvent.set(call.eventId, (perEvent.get(call.eventId) ?? 0) + 1);
    expect([...perEvent.keys()].sort()).toEqual(
      events('in', 9)
        .map((e) => e.eventId)
        .sort(),
    );
    expect([...perEvent.values()].every((n) => n === 1)).toBe(true);
  });

  it('starts one reconciliation per bucket of window events, from the earliest of them, and one sweep', async () => {
    const mocks = reconcileMocks({});
    const queue = 'in-windows';
    const at = 1_700_000_100_000; // the start of a 5-minute bucket (RECONCILE_BUCKET_MS) and inside an hour (SWEEP)
    const windows: IntakeInput['windows'] = [
      { eventId: 'w1', action: 'UsersModified', occurredMs: at + 20_000, receivedMs: at + 30_000 },
      { eventId: 'w2', action: 'UsersCreated', occurredMs: at + 5_000, receivedMs: at + 30_000 },
      { eventId: 'w3', action: 'UsersDeleted', occurredMs: at, receivedMs: at + 30_000 },
    ];
    const result = await withWorkers(queue, mocks.activities, async (client) => {
      const intake = (await client.execute(WORKFLOW_TYPES.intake, {
        taskQueue: queue,
        workflowId: 'intake-w',
        args: [{ ...base, events: [], windows }],
      })) as IntakeResult;
      const window = workflowIds.reconcileRun('P-unit', `window-${Math.floor((at + 5_000) / 300_000)}`);
      const sweep = workflowIds.reconcileRun('P-unit', `sweep-${Math.floor(at / 3_600_000)}`);
      await client.getHandle(window).result();
      await client.getHandle(sweep).result();
      return intake;
    });
    expect(result).toMatchObject({ started: 0, windowsStarted: 2, windowsShared: 1 });
    const incremental = mocks.seen.cursors.filter((c) => c.field === 'modifiedTime');
    expect(incremental).toHaveLength(1);
    expect(incremental[0]!.fromMs).toBe(Math.floor((at + 5_000) / 1000) * 1000 - 1);
    expect(mocks.seen.cursors.filter((c) => c.field === 'createdTime')).toHaveLength(1);
  });
});
