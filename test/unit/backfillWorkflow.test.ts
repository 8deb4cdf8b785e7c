import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import type { DescopeApi, SearchRequest } from '../../src/descope/api';
import { createPrng } from '../../src/emulator/prng';
import type { DescopeUser, MongoStore, UserObservation, WriteResult } from '../../src/store';
import { useLocalTestServer } from '../fixtures/localTestServer';
import {
  WORKFLOW_TYPES,
  pauseSignal,
  progressQuery,
  resumeSignal,
  taskQueues,
  type BackfillInput,
  type ScanResult,
} from '../../workflows/messages';

/**
 * The backfill workflow with its real activities over an in-memory Descope and an in-memory store: the workflow
 * logic (lanes, pause, continue-as-new) checked in seconds, on Temporal's local test server (the locally built
 * CLI binary; nothing is downloaded). The real-server tests in test/integration cover the whole path.
 */

/** Descope's search as documented: ms bounds (`from` exclusive, `to` inclusive), sorted pages, `offset` over `page`. */
function fakeDescope(users: DescopeUser[], calls: { searches: number; paused: () => boolean; whilePaused: number }) {
  const search = async (request: SearchRequest) => {
    calls.searches += 1;
    if (calls.paused()) calls.whilePaused += 1;
    const ms = (u: DescopeUser) => (u.createdTime as number) * 1000;
    const matching = users
      .filter((u) => !request.fromCreatedTime || ms(u) > request.fromCreatedTime)
      .filter((u) => !request.toCreatedTime || ms(u) <= request.toCreatedTime)
      .sort((a, b) => ms(a) - ms(b) || a.userId.localeCompare(b.userId));
    const limit = request.limit ?? 100;
    const start = request.offset && request.offset > 0 ? request.offset : (request.page ?? 0) * limit;
    return { users: matching.slice(start, start + limit), total: matching.length };
  };
  return { searchUsers: search } as unknown as DescopeApi;
}

/** What the scan writes: every observation per user, and the sync_state records. */
function fakeStore() {
  const writes = new Map<string, number>();
  const state = new Map<string, Record<string, unknown>>();
  const store = {
    async writeUsers(observations: UserObservation[]): Promise<WriteResult> {
      let inserted = 0;
      for (const obs of observations) {
        const id = obs.kind === 'snapshot' ? obs.user.userId : obs.userId;
        if (!writes.has(id)) inserted += 1;
        writes.set(id, (writes.get(id) ?? 0) + 1);
      }
      const unchanged = observations.length - inserted;
      return { applied: inserted, unchanged, stale: 0, tombstoned: 0, inserted, refused: 0 };
    },
    async setState(id: string, fields: Record<string, unknown>) {
      state.set(id, { ...state.get(id), ...fields });
    },
    async raiseState(id: string, field: string, value: number) {
      const current = state.get(id)?.[field];
      if (typeof current !== 'number' || current < value) state.set(id, { ...state.get(id), [field]: value });
    },
    async getState(id: string) {
      return state.get(id) ?? null;
    },
  };
  return { store: store as unknown as MongoStore, writes, state };
}

function seededUsers(seed: number, count: number): DescopeUser[] {
  const random = createPrng(seed);
  // Creation times bunched into a few busy seconds and a long tail, as imports and sign-ups make them.
  return Array.from({ length: count }, (_, i) => ({
    userId: `U${seed}-${i}`,
    createdTime: random.chance(0.3) ? 1_700_000_000 + random.int(0, 3) : 1_700_000_000 + random.int(0, 50_000),
    modifiedTime: 1_700_100_000,
  }));
}

const server = useLocalTestServer();

async function runBackfill(
  taskQueue: string,
  users: DescopeUser[],
  input: BackfillInput,
  drive?: (handle: WorkflowHandle, calls: Calls) => Promise<void>,
) {
  const calls: Calls = { searches: 0, whilePaused: 0, paused: () => false };
  const fake = fakeStore();
  const activities = createActivities({ descope: fakeDescope(users, calls), store: fake.store, projectId: 'P-test' });
  const common = { connection: server.env.nativeConnection, namespace: server.env.namespace, activities };
  const workers = await Promise.all([
    Worker.create({ ...common, taskQueue, workflowBundle: server.bundle }),
    Worker.create({ ...common, taskQueue: taskQueues.search(taskQueue) }),
  ]);
  const handle = await server.env.client.workflow.start(WORKFLOW_TYPES.backfill, {
    taskQueue,
    workflowId: `bf-${taskQueue}`,
    args: [input],
  });
  const outcome = (async () => {
    await drive?.(handle, calls);
    return (await handle.result()) as ScanResult;
  })();
  // Each worker runs until the workflow's result is in, then shuts down before the test goes on.
  const result = await workers[0]!.runUntil(workers[1]!.runUntil(outcome));
  return { result, writes: fake.writes, state: fake.state, calls };
}

interface Calls {
  searches: number;
  whilePaused: number;
  paused: () => boolean;
}

describe('backfillUsers with in-memory Descope and store (workflow logic in seconds)', () => {
  it('reads every user exactly once over several lanes, whatever the spread of creation times (seeded)', async () => {
    for (const seed of [1, 2, 3]) {
      const users = seededUsers(seed, 400 + seed * 37);
      const { result, writes } = await runBackfill(`q-lanes-${seed}`, users, { lanes: 4, pageSize: 50 });
      expect(writes.size, `seed ${seed}`).toBe(users.length);
      expect(
        [...writes.values()].every((n) => n === 1),
        `seed ${seed}: a user written twice`,
      ).toBe(true);
      expect(result.totals.seen, `seed ${seed}`).toBe(users.length);
      expect(result.totals.inserted, `seed ${seed}`).toBe(users.length);
    }
  });

  it('continues as new every few pages and still reads each user once', async () => {
    const users = seededUsers(7, 330);
    const { result, writes } = await runBackfill('q-can', users, { lanes: 2, pageSize: 25, pagesPerRun: 3 });
    expect(result.runs).toBeGreaterThan(3);
    expect(writes.size).toBe(users.length);
    expect([...writes.values()].every((n) => n === 1)).toBe(true);
  });

  it('sends no search while paused, then finishes on resume', async () => {
    const users = seededUsers(9, 600);
    let paused = false;
    const { result, writes, calls } = await runBackfill(
      'q-pause',
      users,
      { lanes: 4, pageSize: 20 },
      async (handle, c) => {
        c.paused = () => paused;
        while (c.searches < 5) await new Promise((r) => setTimeout(r, 20));
        await handle.signal(pauseSignal);
        for (;;) {
          const progress = await handle.query(progressQuery);
          if (progress.state === 'paused') break;
          await new Promise((r) => setTimeout(r, 20));
        }
        paused = true;
        const before = c.searches;
        await new Promise((r) => setTimeout(r, 1500));
        expect(c.searches).toBe(before);
        paused = false;
        await handle.signal(resumeSignal);
      },
    );
    expect(calls.whilePaused).toBe(0);
    expect(writes.size).toBe(users.length);
    expect(result.totals.seen).toBe(users.length);
  });
});
