import { describe, expect, it } from 'vitest';
import { windowRuns, type IntakeWindow } from '../../workflows/intakeDelivery';
import { createPrng } from '../../src/emulator/prng';

const FIVE_MIN = 5 * 60_000;
const HOUR = 60 * 60_000;

function window(action: IntakeWindow['action'], occurredMs: number, i: number): IntakeWindow {
  return { eventId: `e${i}`, action, occurredMs, receivedMs: occurredMs + 1000 };
}

describe('windowRuns: one run per bucket for a delivery', () => {
  it('a burst of 20 UsersModified in one bucket is one run from the earliest event', () => {
    const base = 10 * FIVE_MIN + 1000;
    const burst = Array.from({ length: 20 }, (_, i) => window('UsersModified', base + 19 - i, i));
    expect(windowRuns(burst)).toEqual([{ tag: 'window-10', sweep: false, occurredMs: base }]);
  });

  it('for any delivery: one run per distinct bucket, each from the earliest event of its bucket (seeded)', () => {
    for (let seed = 1; seed <= 200; seed += 1) {
      const random = createPrng(seed);
      const actions: IntakeWindow['action'][] = ['UsersCreated', 'UsersModified', 'UsersDeleted'];
      const windows = Array.from({ length: random.int(1, 40) }, (_, i) =>
        window(random.pick(actions), random.int(0, 3 * HOUR), i),
      );
      const runs = windowRuns(windows);
      const expected = new Map<string, number>();
      for (const w of windows) {
        const sweep = w.action === 'UsersDeleted';
        const tag = sweep
          ? `sweep-${Math.floor(w.occurredMs / HOUR)}`
          : `window-${Math.floor(w.occurredMs / FIVE_MIN)}`;
        expected.set(tag, Math.min(expected.get(tag) ?? Infinity, w.occurredMs));
      }
      expect(runs.length, `seed ${seed}`).toBe(expected.size);
      for (const run of runs) {
        expect(run.occurredMs, `seed ${seed} ${run.tag}`).toBe(expected.get(run.tag));
        expect(run.sweep, `seed ${seed} ${run.tag}`).toBe(run.tag.startsWith('sweep-'));
      }
    }
  });
});
