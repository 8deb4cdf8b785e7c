import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { MongoStore, type UserDocument, type UserObservation } from '../../src/store';
import { writeUserObservations } from '../../src/store/writeUsers';

/**
 * What the MongoDB server refuses to store never stalls the sync: the rest of the call is written, the refused
 * user is recorded with the server's reason, and a later write of that user that succeeds clears the record.
 */
describe('users the store refuses (against the real server)', () => {
  let store: MongoStore;
  beforeAll(async () => {
    store = await MongoStore.connect(inject('mongoUri'), `refused_${randomUUID().slice(0, 8)}`);
    await store.ensureIndexes();
  });
  beforeEach(async () => {
    await store.users.deleteMany({});
    await store.refused.deleteMany({});
  });
  afterAll(async () => {
    await store.db.dropDatabase().catch(() => {});
    await store.close();
  });

  const page = (observedAt: number, name: string, bad: Record<string, unknown> = {}): UserObservation[] =>
    Array.from({ length: 100 }, (_, i) => ({
      kind: 'snapshot',
      user: {
        userId: `U${String(i).padStart(3, '0')}`,
        name,
        createdTime: 1,
        modifiedTime: observedAt / 1000,
        customAttributes: i === 42 ? bad : { plan: 'pro' },
      },
      observedAt,
    }));
  // FerretDB v1 rejects nested arrays; MongoDB rejects documents over 16 MiB. Both cannot succeed on retry.
  const nested = { matrix: [[1, 2]] };
  const huge = { blob: 'x'.repeat(17 * 1024 * 1024) };

  it('a new page with one user the server cannot hold writes the other 99 and records the refusal', async () => {
    const info = await store.db.admin().command({ buildInfo: 1 });
    const bad = 'ferretdbVersion' in info ? nested : huge;
    const result = await store.writeUsers(page(1000, 'first', bad), 'backfill');
    expect(result).toMatchObject({ inserted: 99, applied: 99, refused: 1 });
    expect(await store.users.countDocuments({})).toBe(99);
    const [refusal] = await store.listRefused();
    expect(refusal).toMatchObject({ userId: 'U042', source: 'backfill', count: 1, firstAt: 1000, lastAt: 1000 });
    expect(refusal!.reason.length).toBeGreaterThan(0);

    // The next read of the same value is refused again and counted; a later, storable value clears it.
    await store.writeUsers(page(2000, 'first', bad), 'sweep');
    expect(await store.listRefused()).toMatchObject([
      { userId: 'U042', source: 'sweep', count: 2, firstAt: 1000, lastAt: 2000 },
    ]);
    expect(await store.writeUsers(page(3000, 'second'), 'reconcile')).toMatchObject({ refused: 0, inserted: 1 });
    expect(await store.listRefused()).toEqual([]);
    expect(await store.users.countDocuments({ name: 'second' })).toBe(100);
  });

  it('a stored user whose new value is refused keeps its stored state; the rest of the page is updated', async () => {
    await store.writeUsers(page(1000, 'first'), 'backfill');
    const result = await store.writeUsers(page(2000, 'second', nested), 'reconcile');
    const info = await store.db.admin().command({ buildInfo: 1 });
    if ('ferretdbVersion' in info) {
      expect(result).toMatchObject({ applied: 99, refused: 1 });
      expect((await store.getUser('U042'))?.user.name).toBe('first');
      expect(await store.listRefused()).toMatchObject([{ userId: 'U042', source: 'reconcile', count: 1 }]);
    } else {
      // MongoDB holds nested arrays: nothing is refused.
      expect(result).toMatchObject({ applied: 100, refused: 0 });
    }
    expect(await store.users.countDocuments({ name: 'second' })).toBe(result.applied);
  });

  it('a document too large for BSON is refused before it is sent, with the reason, and its page is written', async () => {
    const result = await store.writeUsers(page(1000, 'first', huge), 'event');
    expect(result).toMatchObject({ inserted: 99, refused: 1 });
    const [refusal] = await store.listRefused();
    expect(refusal).toMatchObject({ userId: 'U042', source: 'event' });
    expect(refusal!.reason).toMatch(/16 ?MiB|too large/i);
  });

  it('a refused user is counted for status and metrics', async () => {
    await store.writeUsers(page(1000, 'first', huge), 'backfill');
    expect(await store.countRefused()).toBe(1);
  });

  it('a sweep chunk of 500 tombstones takes a handful of commands, whatever mix of stored and unknown users', async () => {
    const client = new MongoClient(inject('mongoUri'), { monitorCommands: true });
    const users = client.db(store.db.databaseName).collection<UserDocument>(`tomb_${randomUUID().slice(0, 8)}`);
    try {
      const live = (i: number): UserObservation => ({
        kind: 'snapshot',
        user: { userId: `T${i}`, name: 'n', createdTime: 1, modifiedTime: 1 },
        observedAt: 1_000,
      });
      await writeUserObservations(
        users,
        Array.from({ length: 400 }, (_, i) => live(i)),
        'backfill',
      );
      let commands = 0;
      client.on('commandStarted', () => (commands += 1));
      // 400 stored users and 100 never stored, confirmed absent by two requests of a sweep.
      const absents: UserObservation[] = Array.from({ length: 500 }, (_, i) => ({
        kind: 'absent',
        userId: `T${i}`,
        observedAt: i < 250 ? 2_000 : 2_500,
      }));
      const result = await writeUserObservations(users, absents, 'sweep');
      expect(result).toMatchObject({ tombstoned: 500, stale: 0 });
      expect(commands).toBeLessThanOrEqual(5);
      expect(await users.countDocuments({ '_sync.deleted': true })).toBe(500);
    } finally {
      await users.drop().catch(() => {});
      await client.close();
    }
  });
});
