import { describe, expect, it } from 'vitest';
import { outcomeAfter, uniformOutcome } from '../../activities/eventBatches';
import { contentHash } from '../../src/store';
import { describeOutcome } from '../../src/messages';

const user = { userId: 'U1', name: 'Ann', modifiedTime: 5 };
const snapshot = { kind: 'snapshot' as const, user, observedAt: 100 };
const absent = { kind: 'absent' as const, userId: 'U1', observedAt: 100 };
const written = { observedAt: 100, hash: contentHash(user), deleted: false, deletedAt: null };

describe("an event user's outcome, from the write's totals or the state it left", () => {
  it("totals that name one outcome for every user are each user's", () => {
    const totals = { applied: 0, unchanged: 0, stale: 0, tombstoned: 0, inserted: 0 };
    expect(uniformOutcome({ ...totals, applied: 3, inserted: 3 }, 3)).toBe('applied');
    expect(uniformOutcome({ ...totals, applied: 2, tombstoned: 2 }, 2)).toBe('tombstoned');
    expect(uniformOutcome({ ...totals, unchanged: 2 }, 2)).toBe('unchanged');
    expect(uniformOutcome({ ...totals, stale: 1 }, 1)).toBe('stale');
    expect(uniformOutcome({ ...totals, applied: 2, tombstoned: 1 }, 2)).toBeUndefined();
    expect(uniformOutcome({ ...totals, applied: 1, stale: 1 }, 2)).toBeUndefined();
  });

  it('a user holding this observation was written; any other state means the observation lost', () => {
    expect(outcomeAfter(snapshot, written, 'applied')).toBe('applied');
    expect(outcomeAfter(snapshot, written, 'unchanged')).toBe('unchanged');
    expect(outcomeAfter(snapshot, { ...written, observedAt: 101 }, 'applied')).toBe('stale');
    expect(outcomeAfter(snapshot, { ...written, hash: 'other' }, 'applied')).toBe('stale');
    expect(outcomeAfter(snapshot, undefined, 'applied')).toBe('stale');
    expect(outcomeAfter(absent, { ...written, deleted: true, deletedAt: 100 }, 'applied')).toBe('tombstoned');
    // A deletion recorded earlier keeps its time: this observation changed nothing (the write path: stale).
    expect(outcomeAfter(absent, { ...written, observedAt: 90, deleted: true, deletedAt: 90 }, 'applied')).toBe('stale');
  });

  it('an event outcome reads as one word for one user and as counts for a batch', () => {
    expect(describeOutcome({ applied: 1 })).toBe('applied');
    expect(describeOutcome({ applied: 4990, stale: 10, unchanged: 0 })).toBe('applied 4990, stale 10');
    expect(describeOutcome({})).toBe('empty');
  });
});
