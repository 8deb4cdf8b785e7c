import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimitGate, withDescopeFailures } from '../../activities/failures';
import { scanActivities } from '../../activities/scan';
import { sweepActivities } from '../../activities/sweep';
import type { ActivityDeps } from '../../activities/deps';
import type { DescopeApi } from '../../src/descope/api';
import type { MongoStore } from '../../src/store/mongoStore';
import type { UserObservation, WriteResult } from '../../src/store/types';

/** A clock the gate's sleep moves forward: a Retry-After wait without waiting. */
function manualTime(start = 1_790_000_000_000) {
  const time = { ms: start };
  const now = () => time.ms;
  const gate = new RateLimitGate(now, async (ms) => {
    time.ms += ms;
  });
  return { time, now, gate };
}

const emptyResult = (): WriteResult => ({ applied: 0, unchanged: 0, stale: 0, tombstoned: 0, inserted: 0, refused: 0 });

/** A store that only records what it was asked to write. */
function recordingStore(written: UserObservation[]): MongoStore {
  const store = {
    writeUsers: async (observations: UserObservation[]) => {
      written.push(...observations);
      return { ...emptyResult(), applied: observations.length };
    },
    setState: async () => {},
  };
  return store as unknown as MongoStore;
}

describe('observations carry the time their request was sent', () => {
  it('withDescopeFailures hands the call the time after the gate let it through, for any block and clock', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 120_000 }),
        fc.integer({ min: 0, max: 5_000 }),
        async (block, skew) => {
          const { time, now, gate } = manualTime();
          gate.block(block);
          const releasedAt = time.ms + block;
          time.ms += skew; // time passes between the 429 and this call
          let sentAt = -1;
          let clockAtSend = -1;
          await withDescopeFailures(
            async (at) => {
              sentAt = at;
              clockAtSend = time.ms;
            },
            undefined,
            gate,
            now,
          );
          expect(sentAt).toBe(clockAtSend);
          expect(sentAt).toBeGreaterThanOrEqual(releasedAt);
        },
      ),
    );
  });

  it('a search page read after a Retry-After wait is written with the time it was sent, not when the page was asked for', async () => {
    const { time, now, gate } = manualTime();
    const written: UserObservation[] = [];
    let searchedAt = -1;
    const descope: DescopeApi = {
      searchUsers: async () => {
        searchedAt = time.ms;
        return { users: [{ userId: 'U1', createdTime: 1, modifiedTime: 1 }], total: 1 };
      },
      loadUser: async () => undefined,
      loadUsers: async () => [],
    };
    const deps: ActivityDeps = {
      descope,
      store: recordingStore(written),
      projectId: 'P',
      now,
      gates: { search: gate, load: new RateLimitGate(now) },
    };
    gate.block(60_000); // another lane drew a 429 a moment ago
    const askedAt = time.ms;
    await scanActivities(deps).scanPage({
      cursor: { field: 'createdTime', afterSecond: null, fromMs: 0, upperMs: askedAt, done: false },
      pageSize: 100,
      withTestUser: false,
      source: 'backfill',
    });
    expect(searchedAt).toBe(askedAt + 60_000);
    expect(written.map((o) => o.observedAt)).toEqual([searchedAt]);
  });

  it('a sweep confirms with the send times of its two requests, each after its own gate', async () => {
    const { time, now, gate: loadGate } = manualTime();
    const searchGate = new RateLimitGate(now, async (ms) => {
      time.ms += ms;
    });
    const written: UserObservation[] = [];
    const sent: Record<string, number> = {};
    const descope: DescopeApi = {
      loadUsers: async () => {
        sent.load = time.ms;
        return [{ userId: 'U1', createdTime: 1 }];
      },
      searchUsers: async () => {
        sent.search = time.ms;
        return { users: [], total: 0 };
      },
      loadUser: async () => undefined,
    };
    const sweep = sweepActivities({
      descope,
      store: recordingStore(written),
      projectId: 'P',
      now,
      gates: { search: searchGate, load: loadGate },
    });
    loadGate.block(30_000);
    const missing = await sweep.confirmAbsent(['U1', 'U2']);
    expect(missing).toEqual(['U2']);
    expect(written).toEqual([expect.objectContaining({ kind: 'snapshot', observedAt: sent.load })]);
    searchGate.block(45_000);
    const absent = await sweep.confirmMissing(missing);
    expect(sent.search).toBeGreaterThanOrEqual(sent.load! + 45_000);
    expect(absent).toEqual([{ userId: 'U2', observedAt: sent.search }]);
  });
});
