import { describe, expect, it } from 'vitest';
import { contentHash, type DescopeUser, type UserObservation } from '../../src/store';
import { effectiveVersions, shouldRecord, type VersionStamp } from '../../src/store/history';
import { HORIZON_MS, batches, makeTimeline, observations, prng, shuffled, truthAt } from '../fixtures/userTimeline';

/**
 * The versioning rule of src/store/history.ts without a server: each observation is offered to the stored
 * versions and kept when shouldRecord says so (a new version of the history folded from them), as recordHistory
 * does after its one read. The server-side path (the read, inserts, retries, the check against `users`) is
 * covered by test/integration/history.test.ts against FerretDB.
 */
interface Version extends VersionStamp {
  _id: string;
  user: DescopeUser | null;
}

function versionOf(obs: UserObservation): Version {
  const user = obs.kind === 'snapshot' ? obs.user : null;
  const hash = user ? contentHash(user) : null;
  return {
    _id: `${obs.observedAt}|${hash ?? 'deleted'}`,
    validFrom: obs.observedAt,
    deleted: user === null,
    hash,
    modifiedTime: user ? (user.modifiedTime ?? null) : null,
    user,
  };
}

/** Delivers observations one by one in the given order; returns what is stored (insert-only). */
function deliver(stored: Version[], delivered: UserObservation[]): Version[] {
  for (const obs of delivered) {
    const candidate = versionOf(obs);
    if (shouldRecord(stored, candidate)) stored.push(candidate);
  }
  return stored;
}

const view = (stored: Version[]) => effectiveVersions(stored).map((v) => v._id);

function stateAt(stored: Version[], t: number): Version | undefined {
  return effectiveVersions(stored).findLast((v) => v.validFrom <= t);
}

const SEEDS = Array.from({ length: 400 }, (_, i) => i + 1);

describe('user history versioning (seeded, 400 timelines)', () => {
  it('observations delivered in any order converge to the history of in-order delivery', () => {
    for (const seed of SEEDS) {
      const all = observations(makeTimeline(seed, 'U1'), 'U1');
      const inOrder = view(
        deliver(
          [],
          [...all].sort((a, b) => a.observedAt - b.observedAt),
        ),
      );
      const rand = prng(seed * 7919);
      for (let round = 0; round < 5; round++) {
        expect(view(deliver([], shuffled(rand, all))), `seed ${seed} round ${round}`).toEqual(inOrder);
      }
    }
  });

  it('at every time a read reported the current state, the history answers which roles the user had then', () => {
    for (const seed of SEEDS) {
      const timeline = makeTimeline(seed, 'U1');
      const stored = deliver([], shuffled(prng(seed), observations(timeline, 'U1')));
      for (const read of timeline.reads.filter((r) => r.lag === 0)) {
        const truth = truthAt(timeline, read.at);
        const version = stateAt(stored, read.at);
        expect(version?.deleted, `seed ${seed} at ${read.at}`).toBe(truth === null);
        expect(version?.user?.roleNames ?? null, `seed ${seed} at ${read.at}`).toEqual(truth?.roleNames ?? null);
      }
    }
  });

  it('a late, older observation never changes what the history says after the next version', () => {
    for (const seed of SEEDS) {
      const timeline = makeTimeline(seed, 'U1', { lagging: false });
      const all = shuffled(prng(seed), observations(timeline, 'U1'));
      const stored: Version[] = [];
      for (const obs of all) {
        const before = effectiveVersions(stored);
        const next = before.find((v) => v.validFrom > obs.observedAt);
        deliver(stored, [obs]);
        if (!next) continue;
        for (let t = next.validFrom; t <= HORIZON_MS; t += 997) {
          expect(stateAt(stored, t)?.hash, `seed ${seed} t ${t}`).toBe(before.findLast((v) => v.validFrom <= t)?.hash);
        }
      }
    }
  });

  it('random batchings of a shuffled delivery give the same history (each call offers its observations in turn)', () => {
    for (const seed of SEEDS.slice(0, 100)) {
      const all = observations(makeTimeline(seed, 'U1'), 'U1');
      const expected = view(deliver([], all));
      const rand = prng(seed + 1);
      const stored: Version[] = [];
      for (const call of batches(rand, shuffled(rand, all), 4)) deliver(stored, call);
      expect(view(stored), `seed ${seed}`).toEqual(expected);
    }
  });
});

describe('user history versioning (cases)', () => {
  const user = (modifiedTime: number, roleNames: string[]): DescopeUser => ({ userId: 'U1', modifiedTime, roleNames });
  const snap = (observedAt: number, u: DescopeUser): UserObservation => ({ kind: 'snapshot', user: u, observedAt });
  const gone = (observedAt: number): UserObservation => ({ kind: 'absent', userId: 'U1', observedAt });

  it('an unchanged re-read adds nothing', () => {
    const stored = deliver([], [snap(1000, user(1, ['a'])), snap(2000, user(1, ['a'])), snap(500, user(1, ['a']))]);
    expect(effectiveVersions(stored).map((v) => v.validFrom)).toEqual([500]);
  });

  it('a stale read (an older modifiedTime observed later, from a lagging replica) is no version, in either order', () => {
    const newer = snap(1000, user(5, ['admin']));
    const lagging = snap(2000, user(3, ['viewer']));
    for (const order of [
      [newer, lagging],
      [lagging, newer],
    ]) {
      const stored = deliver([], order);
      expect(effectiveVersions(stored).map((v) => v.user?.roleNames)).toEqual([['admin']]);
    }
  });

  it('a deletion and a resurrection are versions; the deletion wins a tie at the same millisecond', () => {
    const stored = deliver(
      [],
      [snap(3000, user(9, ['b'])), gone(2000), snap(1000, user(1, ['a'])), snap(2000, user(1, ['a']))],
    );
    expect(effectiveVersions(stored).map((v) => [v.validFrom, v.deleted])).toEqual([
      [1000, false],
      [2000, true],
      [3000, false],
    ]);
    expect(stateAt(stored, 2500)?.deleted).toBe(true);
  });
});
