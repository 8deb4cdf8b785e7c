import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MongoStore, fromUserDocument, type UserDocument, type UserObservation } from '../../src/store';
import { writeUserObservations } from '../../src/store/writeUsers';
import { freePort } from '../../src/servers/process';

/**
 * The one write rule, as a property over real MongoDB-wire writes: whatever order, batching and concurrency
 * observations arrive in, each user ends in the same state, the one the rule puts last.
 *
 * Each user has a true history in Descope (renames stamped with modifiedTime, then maybe a deletion); an
 * observation at time t reads that history at t, as a search, a load or a "not found" would. Some reads lag
 * (a read replica behind, a worker whose clock runs ahead): stamped t, they return the history as of t - lag,
 * so the histories of observations are NOT monotone in modifiedTime.
 */
interface History {
  renames: { at: number; name: string }[];
  deletedAt: number | null;
}

type Read = [t: number, lag: number];

function stateAt(userId: string, history: History, t: number, lag = 0): UserObservation {
  if (history.deletedAt !== null && t >= history.deletedAt) return { kind: 'absent', userId, observedAt: t };
  const current = history.renames.filter((r) => r.at <= t - lag).at(-1);
  const name = current?.name ?? 'original';
  const modifiedTime = Math.floor((current?.at ?? 0) / 1000);
  return { kind: 'snapshot', user: { userId, name, modifiedTime, createdTime: 0 }, observedAt: t };
}

/**
 * What the rule keeps: a deletion once seen (Descope never brings a user id back); otherwise the read with
 * the newest modifiedTime, the later read among equal ones. Without lag that is the newest read.
 */
function expectedFinal(userId: string, history: History, reads: Read[]): UserObservation {
  const observations = reads.map(([t, lag]) => stateAt(userId, history, t, lag));
  const absents = observations.filter((o) => o.kind === 'absent');
  if (absents.length > 0) return absents.reduce((a, b) => (a.observedAt > b.observedAt ? a : b));
  const key = (o: UserObservation) => (o.kind === 'snapshot' ? [o.user.modifiedTime ?? 0, o.observedAt] : [0, 0]);
  return observations.reduce((a, b) => {
    const [ma, ta] = key(a);
    const [mb, tb] = key(b);
    return mb! > ma! || (mb === ma && tb! > ta!) ? b : a;
  });
}

/** Epoch ms of the histories: short enough that reads often straddle a change (modifiedTime is in seconds). */
const HORIZON = 6_000;

const historyArb = fc
  .record({
    renames: fc.uniqueArray(fc.integer({ min: 1, max: HORIZON }), { maxLength: 4 }),
    deletedAt: fc.option(fc.integer({ min: 1, max: HORIZON }), { nil: null }),
  })
  .map(({ renames, deletedAt }) => ({
    renames: [...renames]
      .sort((a, b) => a - b)
      .filter((at) => deletedAt === null || at < deletedAt)
      .map((at, i) => ({ at, name: `name-${i}-${at}` })),
    deletedAt,
  }));

/**
 * Concurrent writers rely on MongoDB applying a filtered single-document update atomically. FerretDB v1 (the
 * local default) evaluates the filter and writes in two steps, so on it the property runs the writes in one
 * lane: every order and batching, without overlap. Against real MongoDB (MONGODB_URI) it runs up to 3 lanes.
 */
let maxLanes = 1;

/**
 * Reads of one history: most are current; a lagging read is stamped just after a change but returns the state
 * before it (so a later read carries an older modifiedTime). Read times are distinct per user.
 */
const readsArb = (history: History) => {
  const current = fc.tuple(fc.integer({ min: 0, max: HORIZON }), fc.constant(0));
  const lagging = history.renames.map(({ at }) =>
    fc
      .tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 1, max: 1_500 }))
      .map(([after, extra]): Read => [at + after, after + extra]),
  );
  return fc.uniqueArray(fc.oneof(current, ...lagging), { minLength: 1, maxLength: 6, selector: ([t]) => t });
};

const scenarioArb = () =>
  fc
    .array(
      historyArb.chain((history) => fc.tuple(fc.constant(history), readsArb(history))),
      { minLength: 1, maxLength: 3 },
    )
    .chain((users) => {
      const observations = users.flatMap(([history, reads], i) =>
        reads.map(([t, lag]) => stateAt(`U${i}`, history, t, lag)),
      );
      return fc.record({
        users: fc.constant(users),
        order: fc.shuffledSubarray(observations, { minLength: observations.length, maxLength: observations.length }),
        lanes: fc.integer({ min: 1, max: maxLanes }),
        batch: fc.integer({ min: 1, max: 4 }),
      });
    });

describe('the one write rule (property, against the real server)', () => {
  let store: MongoStore;
  beforeAll(async () => {
    store = await MongoStore.connect(inject('mongoUri'), `prop_${randomUUID().slice(0, 8)}`);
    const info = await store.db.admin().command({ buildInfo: 1 });
    maxLanes = 'ferretdbVersion' in info ? 1 : 3;
  });
  afterAll(async () => {
    await store.db.dropDatabase().catch(() => {});
    await store.close();
  });

  it('knows the server it writes to: the guard rides in the filter on MongoDB, not on FerretDB v1', async () => {
    const info = await store.db.admin().command({ buildInfo: 1 });
    expect(store.limits.guardInFilter).toBe(!('ferretdbVersion' in info));
    expect(store.limits.server).toBe('ferretdbVersion' in info ? `ferretdb ${info.ferretdbVersion}` : 'mongodb');
  });

  it('stores the state the rule puts last for every user, for any interleaving, batching, concurrency and lag', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(), async ({ users, order, lanes, batch }) => {
        const collection = store.db.collection<UserDocument>(`users_${randomUUID().slice(0, 8)}`);
        // Deal the observations round-robin to concurrent writers, each writing its share in batches.
        const shares = Array.from({ length: lanes }, (_, lane) => order.filter((_, i) => i % lanes === lane));
        await Promise.all(
          shares.map(async (share) => {
            for (let i = 0; i < share.length; i += batch) {
              await writeUserObservations(collection, share.slice(i, i + batch), 'event', { limits: store.limits });
            }
          }),
        );
        for (const [i, [history, reads]] of users.entries()) {
          const newest = expectedFinal(`U${i}`, history, reads);
          const doc = await collection.findOne({ _id: `U${i}` });
          expect(doc, `U${i}`).not.toBeNull();
          if (newest.kind === 'absent') {
            expect(doc!._sync.deleted).toBe(true);
            expect(doc!._sync.deletedAt).toBeLessThanOrEqual(newest.observedAt);
          } else {
            expect(doc!._sync.deleted).toBe(false);
            expect(fromUserDocument(doc!)).toEqual(newest.user);
            expect(doc!._sync.observedAt).toBe(newest.observedAt);
          }
        }
        await collection.drop();
      }),
      { numRuns: 60 },
    );
  });

  it('writes a page of 250 changed users in one call, with every change landing (no command size stalls the server)', async () => {
    const collection = store.db.collection<UserDocument>(`users_${randomUUID().slice(0, 8)}`);
    const page = (name: string, observedAt: number): UserObservation[] =>
      Array.from({ length: 250 }, (_, i) => ({
        kind: 'snapshot',
        user: { userId: `U${i}`, name, createdTime: 0, modifiedTime: observedAt / 1000 },
        observedAt,
      }));
    expect((await writeUserObservations(collection, page('first', 1000), 'backfill')).inserted).toBe(250);
    // Every user changed: 250 guarded replacements, more than one update command carries.
    const changed = await writeUserObservations(collection, page('second', 2000), 'reconcile');
    expect(changed).toMatchObject({ applied: 250, stale: 0, unchanged: 0 });
    expect(await collection.countDocuments({ name: 'second', '_sync.observedAt': 2000 })).toBe(250);
    // The same page again is unchanged; an older one is stale.
    expect(await writeUserObservations(collection, page('second', 2000), 'reconcile')).toMatchObject({
      unchanged: 250,
    });
    expect(await writeUserObservations(collection, page('first', 1500), 'reconcile')).toMatchObject({ stale: 250 });
    await collection.drop();
  }, 60_000);

  it('never reports users as written when the write did not reach the server: the caller gets the error and retries', async () => {
    // Nothing listens on this loopback port: the driver fails the first insert on server selection, and later
    // ones with a bulk write error that carries no write errors (how it wraps a dropped connection, too).
    const client = new MongoClient(`mongodb://127.0.0.1:${await freePort()}/?directConnection=true`, {
      serverSelectionTimeoutMS: 300,
    });
    const collection = client.db('unreachable').collection<UserDocument>('users');
    const observation: UserObservation = { kind: 'snapshot', user: { userId: 'U1', name: 'n' }, observedAt: 1 };
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        await expect(writeUserObservations(collection, [observation], 'backfill')).rejects.toThrow();
      }
    } finally {
      await client.close();
    }
  });
});
