import { describe, expect, it } from 'vitest';
import { emptyTotals, type ScanCarry } from '../../workflows/messages';
import {
  carryPause,
  controlFor,
  freshCarry,
  pauseScan,
  progressOf,
  resumeScan,
  type ScanControl,
} from '../../workflows/scanControl';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

/** A scan started at T0 that has read `seen` users of an estimated `estimatedTotal`. */
function carryAt(seen: number, estimatedTotal: number): ScanCarry {
  const carry = freshCarry('createdTime', 0, T0, T0);
  return { ...carry, totals: { ...emptyTotals(), seen, applied: seen }, estimatedTotal, runs: 1 };
}

const running = (): ScanControl => ({ paused: false, inFlight: 0 });

describe('scan progress: rate and ETA count running time only', () => {
  it('a scan that never paused reports users over wall time', () => {
    const progress = progressOf(carryAt(1000, 3000), 'running', T0 + 10_000);
    expect(progress.usersPerSecond).toBe(100);
    expect(progress.etaSeconds).toBe(20);
  });

  it('while paused the rate stays at its running pace and there is no ETA', () => {
    const carry = carryAt(1000, 3000);
    const control = running();
    pauseScan(control, T0 + 10_000);
    const progress = progressOf(carry, 'paused', T0 + 3_610_000, control);
    expect(progress.state).toBe('paused');
    expect(progress.usersPerSecond).toBe(100);
    expect(progress.etaSeconds).toBeNull();
  });

  it('after resuming, an hour paused is left out of the rate and the ETA; a second pause signal changes nothing', () => {
    const carry = carryAt(1000, 3000);
    const control = running();
    pauseScan(control, T0 + 10_000);
    pauseScan(control, T0 + 1_000_000); // repeated signal: the pause still began at +10 s
    resumeScan(control, carry, T0 + 3_610_000);
    resumeScan(control, carry, T0 + 3_700_000); // repeated resume: no time is counted twice
    expect(carry.pausedMs).toBe(3_600_000);
    carry.totals = { ...carry.totals, seen: 1500, applied: 1500 };
    const progress = progressOf(carry, 'running', T0 + 3_615_000, control);
    expect(progress.usersPerSecond).toBe(100);
    expect(progress.etaSeconds).toBe(15);
  });

  it('time paused accumulates over several pauses and rides in the carry', () => {
    const carry = carryAt(600, 600);
    const control = running();
    pauseScan(control, T0 + 1_000);
    resumeScan(control, carry, T0 + 5_000);
    pauseScan(control, T0 + 6_000);
    resumeScan(control, carry, T0 + 8_000);
    expect(carry.pausedMs).toBe(6_000);
    // continue-as-new hands the carry on: the next run still leaves the earlier pauses out
    expect(progressOf(structuredClone(carry), 'running', T0 + 12_000).usersPerSecond).toBe(100);
  });
});

describe('scan progress: paused means nothing in flight, and a pause outlives the run', () => {
  it('after the pause signal the scan is pausing while pages are in flight, paused once none is', () => {
    const carry = carryAt(100, 3000);
    const control = running();
    control.inFlight = 3;
    pauseScan(control, T0 + 1_000);
    expect(progressOf(carry, 'running', T0 + 2_000, control).state).toBe('pausing');
    control.inFlight = 0;
    expect(progressOf(carry, 'running', T0 + 2_000, control).state).toBe('paused');
    expect(progressOf(carry, 'completed', T0 + 2_000, control).state).toBe('completed');
  });

  it('a run that continues as new while paused hands the pause on: the next run starts paused, from the same moment', () => {
    const carry = carryAt(1000, 3000);
    const control = running();
    pauseScan(control, T0 + 10_000);
    const next = structuredClone(carryPause(carry, control));
    const resumed = controlFor(next);
    expect(resumed).toEqual({ paused: true, pausedSinceMs: T0 + 10_000, inFlight: 0 });
    expect(progressOf(next, 'running', T0 + 20_000, resumed).state).toBe('paused');
    resumeScan(resumed, next, T0 + 70_000);
    expect(next.pausedMs).toBe(60_000);
    expect(controlFor(carryPause(next, resumed)).paused).toBe(false);
  });
});
