import { describe, expect, it } from 'vitest';
import { FleetBudget, lateSlots } from '../../activities/budget';

/** An in-memory stand-in for the slots collection whose every insert takes `insertMs` of the injected clock. */
function slowSlots(clock: { now: number }, insertMs: number) {
  const ids = new Set<string>();
  return {
    insertOne: async (doc: { _id: string }) => {
      await new Promise((resolve) => setImmediate(resolve)); // a real round trip yields to timers
      clock.now += insertMs;
      if (ids.has(doc._id)) throw Object.assign(new Error('E11000'), { code: 11000 });
      ids.add(doc._id);
      return { acknowledged: true };
    },
    deleteMany: () => Promise.resolve({ deletedCount: 0 }),
  };
}

describe('the fleet budget', () => {
  it('still grants requests when a slot is shorter than the insert that claims it (60,000 rpm, 5 ms inserts)', async () => {
    const clock = { now: 1_000_000 };
    const budget = new FleetBudget(slowSlots(clock, 5) as never, { search: 60_000, load: 60_000 }, () => clock.now);
    const taken = await Promise.race([
      (async () => {
        for (let i = 0; i < 20; i++) await budget.take('search');
        return 'granted';
      })(),
      new Promise((resolve) => setTimeout(() => resolve('stuck'), 2_000)),
    ]);
    expect(taken).toBe('granted');
  });

  it('lets a slot be taken at most a second late, and never fewer than two slots', () => {
    expect(lateSlots(150)).toBe(3); // 400 ms slots
    expect(lateSlots(60)).toBe(2); // 1 s slots: the two-slot floor
    expect(lateSlots(60_000)).toBe(1000); // 1 ms slots
  });
});
