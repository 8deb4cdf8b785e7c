import { condition, workflowInfo } from '@temporalio/workflow';
import { addTotals, emptyTotals, type ScanCarry, type ScanProgress } from './messages';
import type { Activities } from '../activities';
import type { WriteSource } from '../src/store/types';

/** Pages to read in one workflow run before continuing as new, well before history grows large. */
export const PAGES_PER_RUN = 250;

/** How a scan reads its pages; shared by the sequential loop and the lane scan. */
export interface ScanOptions {
  pageSize: number;
  withTestUser: boolean;
  source: WriteSource;
  control: ScanControl;
  pagesPerRun?: number;
  /** Runs once each time the loop is about to wait on a pause. */
  onPause?: () => Promise<void>;
}

export interface ScanControl {
  paused: boolean;
  stopRequested: boolean;
  /** Workflow time the current pause began (set while paused). */
  pausedSinceMs?: number;
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

/**
 * Drives a keyset scan one page (one Descope request) at a time. Returns 'done' at the end of the range,
 * 'continue' when this run should continue as new, 'stopped' when cancellation was requested.
 * While paused, nothing reaches Descope: the loop waits before scheduling the next page.
 */
export async function scanLoop(
  carry: ScanCarry,
  opts: ScanOptions,
  search: Pick<Activities, 'scanPage'>,
  onPage: (carry: ScanCarry) => Promise<void>,
): Promise<'done' | 'continue' | 'stopped'> {
  let pagesThisRun = 0;
  while (!carry.cursor.done) {
    if (opts.onPause && opts.control.paused && !opts.control.stopRequested) await opts.onPause();
    await condition(() => !opts.control.paused || opts.control.stopRequested);
    if (opts.control.stopRequested) return 'stopped';
    const page = await search.scanPage({
      cursor: carry.cursor,
      pageSize: opts.pageSize,
      withTestUser: opts.withTestUser,
      source: opts.source,
    });
    if (!carry.cursor.cluster) carry.estimatedTotal = carry.totals.seen + page.total;
    carry.cursor = page.cursor;
    carry.pages += 1;
    carry.requests += 1;
    carry.totals = addTotals(carry.totals, page.totals);
    pagesThisRun += 1;
    await onPage(carry);
    if (
      !carry.cursor.done &&
      (pagesThisRun >= (opts.pagesPerRun ?? PAGES_PER_RUN) || workflowInfo().continueAsNewSuggested)
    ) {
      return 'continue';
    }
  }
  return 'done';
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
 * What the progress query answers. The rate counts running time only: a scan paused for an hour and resumed
 * reports the pace it reads at, not one diluted by the pause, and its ETA follows from that pace.
 */
export function progressOf(
  carry: ScanCarry,
  state: ScanProgress['state'],
  nowMs: number,
  control?: ScanControl,
): ScanProgress {
  const pausedNow = control?.paused && control.pausedSinceMs !== undefined ? nowMs - control.pausedSinceMs : 0;
  const runningMs = nowMs - carry.startedAtMs - (carry.pausedMs ?? 0) - Math.max(pausedNow, 0);
  const elapsedSeconds = Math.max(runningMs / 1000, 0.001);
  const usersPerSecond = carry.totals.seen / elapsedSeconds;
  const remaining = carry.estimatedTotal === null ? null : Math.max(carry.estimatedTotal - carry.totals.seen, 0);
  return {
    state,
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
      state !== 'running' || remaining === null || usersPerSecond === 0 ? null : Math.round(remaining / usersPerSecond),
    runs: carry.runs,
  };
}
