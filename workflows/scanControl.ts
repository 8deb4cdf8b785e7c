import { emptyTotals, type ScanCarry, type ScanProgress } from './messages';
import type { WriteSource } from '../src/store/types';

/** Pages to read in one workflow run before continuing as new, well before history grows large. */
export const PAGES_PER_RUN = 250;

/** How a scan reads its pages (see laneScan.ts). */
export interface ScanOptions {
  pageSize: number;
  withTestUser: boolean;
  source: WriteSource;
  control: ScanControl;
  pagesPerRun?: number;
  /** Runs once each time the scan has settled into a pause (nothing in flight), before it waits. */
  onPause?: () => Promise<void>;
}

/** What the signals change and the progress query reads, shared by a workflow and its scan. */
export interface ScanControl {
  paused: boolean;
  /** Workflow time the current pause began (set while paused). */
  pausedSinceMs?: number;
  /** Pages scheduled and not yet settled: while paused and above 0, the scan is still `pausing`. */
  inFlight: number;
}

/** A run's control: paused if the run it continues was (the pause rides in the carry). */
export function controlFor(carry: ScanCarry): ScanControl {
  return { paused: carry.paused ?? false, pausedSinceMs: carry.pausedSinceMs, inFlight: 0 };
}

/** Hands the pause state to the next run: call right before continue-as-new, after the last await. */
export function carryPause(carry: ScanCarry, control: ScanControl): ScanCarry {
  return { ...carry, paused: control.paused, pausedSinceMs: control.pausedSinceMs };
}

/** The pause signal: nothing new reaches Descope until resumed. A second pause changes nothing. */
export function pauseScan(control: ScanControl, nowMs: number): void {
  if (control.paused) return;
  control.paused = true;
  control.pausedSinceMs = nowMs;
}

/** The resume signal: the time spent paused is kept out of the scan's rate and ETA. */
export function resumeScan(control: ScanControl, carry: ScanCarry, nowMs: number): void {
  if (!control.paused) return;
  control.paused = false;
  carry.pausedMs = (carry.pausedMs ?? 0) + Math.max(nowMs - (control.pausedSinceMs ?? nowMs), 0);
  control.pausedSinceMs = undefined;
}

/** The state a scan reports: `paused` only once nothing it sent is still in flight. */
export function scanState(control: ScanControl, otherwise: ScanProgress['state']): ScanProgress['state'] {
  if (!control.paused || otherwise !== 'running') return otherwise;
  return control.inFlight > 0 ? 'pausing' : 'paused';
}

/** A scan that has read nothing yet: `field` in (fromMs, upperMs], started at `startedAtMs` (workflow time). */
export function freshCarry(field: ScanCarry['cursor']['field'], fromMs: number, upperMs: number, startedAtMs: number) {
  const carry: ScanCarry = {
    cursor: { field, afterSecond: null, fromMs, upperMs, done: false },
    pages: 0,
    requests: 0,
    totals: emptyTotals(),
    estimatedTotal: null,
    startedAtMs,
    runs: 0,
  };
  return carry;
}

/**
 * What the progress query answers. `state` is the workflow's own (running, completed...): a pause shows as
 * `pausing` or `paused` on top of `running`. The rate counts running time only: a scan paused for an hour and
 * resumed reports the pace it reads at, not one diluted by the pause, and its ETA follows from that pace.
 */
export function progressOf(
  carry: ScanCarry,
  state: ScanProgress['state'],
  nowMs: number,
  control?: ScanControl,
): ScanProgress {
  const shown = control ? scanState(control, state) : state;
  const pausedNow = control?.paused && control.pausedSinceMs !== undefined ? nowMs - control.pausedSinceMs : 0;
  const runningMs = nowMs - carry.startedAtMs - (carry.pausedMs ?? 0) - Math.max(pausedNow, 0);
  const elapsedSeconds = Math.max(runningMs / 1000, 0.001);
  const usersPerSecond = carry.totals.seen / elapsedSeconds;
  const remaining = carry.estimatedTotal === null ? null : Math.max(carry.estimatedTotal - carry.totals.seen, 0);
  return {
    state: shown,
    pages: carry.pages,
    requests: carry.requests,
    totals: carry.totals,
    cursor: carry.cursor,
    ...(carry.lanes ? { lanes: carry.lanes.length } : {}),
    estimatedTotal: carry.estimatedTotal,
    startedAt: new Date(carry.startedAtMs).toISOString(),
    usersPerSecond: Math.round(usersPerSecond * 10) / 10,
    // Only a running scan has an ETA: a paused one would otherwise count down while nothing moves.
    etaSeconds:
      shown !== 'running' || remaining === null || usersPerSecond === 0 ? null : Math.round(remaining / usersPerSecond),
    runs: carry.runs,
  };
}

/** Users per search request: Descope's page limit is 100, and a page holds at least one. */
export function clampPageSize(pageSize: number | undefined): number {
  if (pageSize === undefined || !Number.isFinite(pageSize)) return 100;
  return Math.min(Math.max(Math.floor(pageSize), 1), 100);
}

/** An error and its causes in one line ("Activity task failed: ShortPage: ..."), for the status record and logs. */
export function describeFailure(error: unknown): string {
  const parts: string[] = [];
  for (
    let e: unknown = error;
    e !== undefined && e !== null && parts.length < 5;
    e = (e as { cause?: unknown }).cause
  ) {
    if (!(e instanceof Error)) {
      parts.push(String(e));
      break;
    }
    const type = (e as { type?: unknown }).type;
    parts.push(typeof type === 'string' && type !== '' ? `${type}: ${e.message}` : e.message);
  }
  return parts.join(': ');
}
