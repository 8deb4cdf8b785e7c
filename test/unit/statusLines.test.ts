import { describe, expect, it } from 'vitest';
import { lastRun } from '../../src/cli/status';

describe('status for a person', () => {
  it('says never for a run that has not happened, not null', () => {
    expect(lastRun(null)).toBe('never');
    expect(lastRun(undefined)).toBe('never');
  });

  it('says when the last run finished and what it found', () => {
    const finishedAt = new Date('2026-11-30T12:00:00Z');
    expect(lastRun({ finishedAt, drift: { missed: 2, stale: 2, current: 40, deleted: 1 } })).toBe(
      'finished 2026-11-30T12:00:00.000Z: 2 users the webhooks had missed, 40 already current, 1 deleted',
    );
    // A run recorded before 2026-12-01 named the count `stale` only.
    expect(lastRun({ finishedAt, drift: { stale: 3, current: 40, deleted: 0 } })).toBe(
      'finished 2026-11-30T12:00:00.000Z: 3 users the webhooks had missed, 40 already current, 0 deleted',
    );
    expect(lastRun({ finishedAt: '2026-11-30T12:00:00.000Z' })).toBe('finished 2026-11-30T12:00:00.000Z');
  });
});
