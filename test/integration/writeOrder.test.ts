import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MongoStore, type UserDocument, type UserObservation } from '../../src/store';
import { writeUserObservations } from '../../src/store/writeUsers';

/**
 * The write rule's order between two observations of one user, against the real server, in every arrival
 * order and with both in one call: the result never depends on which arrived first.
 */
describe('the write rule orders observations the same whatever order they arrive in', () => {
  let store: MongoStore;
  beforeAll(async () => {
    store = await MongoStore.connect(inject('mongoUri'), `order_${randomUUID().slice(0, 8)}`);
  });
  afterAll(async () => {
    await store.db.dropDatabase().catch(() => {});
    await store.close();
  });

  const snapshot = (observedAt: number, modifiedTime: number, name: string): UserObservation => ({
    kind: 'snapshot',
    user: { userId: 'U1', name, createdTime: 1, modifiedTime },
    observedAt,
  });
  const absent = (observedAt: number): UserObservation => ({ kind: 'absent', userId: 'U1', observedAt });

  /** The stored document after writing `a` then `b`, `b` then `a`, and both in one call. */
  async function everyOrder(a: UserObservation, b: UserObservation) {
    const outcomes: UserDocument[] = [];
    for (const calls of [[[a], [b]], [[b], [a]], [[a, b]], [[b, a]]]) {
      const users = store.db.collection<UserDocument>(`users_${randomUUID().slice(0, 8)}`);
      for (const call of calls) await writeUserObservations(users, call, 'event');
      outcomes.push((await users.findOne({ _id: 'U1' }))!);
      await users.drop();
    }
    return outcomes;
  }

  it('a later read carrying an OLDER modifiedTime (a lagging replica, a clock ahead) loses to the newer change', async () => {
    const outcomes = await everyOrder(snapshot(1_000, 50, 'new'), snapshot(2_000, 30, 'old'));
    for (const doc of outcomes)
      expect({ name: doc.name, observedAt: doc._sync.observedAt }).toEqual({ name: 'new', observedAt: 1_000 });
  });

  it('ties in observation time: the newer modifiedTime wins; with equal modifiedTime the stored one stays', async () => {
    for (const doc of await everyOrder(snapshot(1_000, 30, 'older change'), snapshot(1_000, 31, 'newer change'))) {
      expect(doc.name).toBe('newer change');
    }
    const users = store.db.collection<UserDocument>(`users_${randomUUID().slice(0, 8)}`);
    await writeUserObservations(users, [snapshot(1_000, 30, 'first')], 'event');
    expect(await writeUserObservations(users, [snapshot(1_000, 30, 'second')], 'event')).toMatchObject({ stale: 1 });
    expect((await users.findOne({ _id: 'U1' }))?.name).toBe('first');
  });

  it('a deletion observed at the same time as a live read wins, in either order', async () => {
    for (const doc of await everyOrder(snapshot(1_000, 30, 'alive'), absent(1_000))) {
      expect(doc._sync.deleted).toBe(true);
    }
  });

  it('a deletion observed later wins over a newer modifiedTime; a live read after a tombstone revives the user', async () => {
    for (const doc of await everyOrder(snapshot(1_000, 90, 'alive'), absent(2_000)))
      expect(doc._sync.deleted).toBe(true);
    for (const doc of await everyOrder(absent(1_000), snapshot(2_000, 10, 'back'))) {
      expect({ deleted: doc._sync.deleted, name: doc.name }).toEqual({ deleted: false, name: 'back' });
    }
  });
});
