import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MongoStore } from '../../src/store';

/** The `events` record an apply leaves behind: what operators query to see what each delivery did. */
describe('event records (against the real server)', () => {
  let store: MongoStore;
  beforeAll(async () => {
    store = await MongoStore.connect(inject('mongoUri'), `events_${randomUUID().slice(0, 8)}`);
  });
  afterAll(async () => {
    await store.db.dropDatabase().catch(() => {});
    await store.close();
  });

  const fields = (appliedAt: number, outcome: string) => ({
    action: 'UserModified',
    userId: 'U1',
    occurredAt: 1000,
    appliedAt,
    outcome,
  });

  it('the first apply records the event; a retried apply updates what it did and keeps the first receipt time', async () => {
    await store.recordEvent('ev-1', fields(2000, 'applied'), 1500);
    expect(await store.events.findOne({ _id: 'ev-1' })).toEqual({
      _id: 'ev-1',
      ...fields(2000, 'applied'),
      receivedAt: 1500,
    });

    await store.recordEvent('ev-1', fields(9000, 'unchanged'), 8000);
    expect(await store.events.findOne({ _id: 'ev-1' })).toEqual({
      _id: 'ev-1',
      ...fields(9000, 'unchanged'),
      receivedAt: 1500,
    });
    expect(await store.events.countDocuments({ _id: 'ev-1' })).toBe(1);
  });

  it('two applies of one event recording at once both succeed and leave one record', async () => {
    const attempts = Array.from({ length: 8 }, (_, i) =>
      store.recordEvent('ev-2', fields(3000 + i, 'applied'), 2500 + i),
    );
    await expect(Promise.all(attempts)).resolves.toHaveLength(8);
    const records = await store.events.find({ _id: 'ev-2' }).toArray();
    expect(records).toHaveLength(1);
    expect(records[0]!.receivedAt).toBeGreaterThanOrEqual(2500);
    expect(records[0]!.appliedAt).toBeGreaterThanOrEqual(3000);
  });

  it('a failure other than an existing record reaches the caller, so the activity retries', async () => {
    const closed = await MongoStore.connect(inject('mongoUri'), store.db.databaseName);
    await closed.close();
    await expect(closed.recordEvent('ev-3', fields(1, 'applied'), 1)).rejects.toThrow();
    expect(await store.events.countDocuments({ _id: 'ev-3' })).toBe(0);
  });
});
