import { CancellationScope, condition, workflowInfo } from '@temporalio/workflow';
import { addTotals, type ScanCarry } from './messages';
import { overall, settleLane, type Lane } from './lanes';
import { PAGES_PER_RUN, type ScanOptions } from './scanLoop';
import type { Activities } from '../activities';
import type { ScanPageOutput } from '../activities/scan';

/** Most lanes a backfill may read in parallel. */
export const MAX_LANES = 16;

/**
 * Lanes (pages in flight) when the input names none. A running backfill started without `lanes` replays with
 * this value: changing it needs a patch, like any other change to what the workflow schedules.
 */
export const DEFAULT_LANES = 8;

/**
 * A keyset scan over several disjoint createdTime ranges ("lanes") at once, so that one page's Descope round
 * trip and MongoDB write overlap the next page's instead of waiting on it, and the search task queue's rate
 * limit (not a single page's latency) sets the pace.
 *
 * It starts as one lane over the whole range. A lane that comes back with more than a page left is cut in two
 * (at the middle second of what it has left, or at the middle page of a crowded second it pages by offset),
 * until there are `width` lanes; a lane that finishes makes room for the next cut, so lanes follow where the
 * users are, however skewed their creation times. Lanes never overlap and each is an ordinary keyset cursor
 * (see activities/keyset.ts and lanes.ts).
 *
 * `carry.cursor` stays a valid, conservative resume point for the whole scan: its `afterSecond` is the
 * lowest position of any unfinished lane. `carry.lanes` holds the lanes themselves across continue-as-new.
 *
 * Pause, cancellation and continue-as-new stop scheduling and let the pages in flight finish: each page is
 * written and counted exactly once.
 */
export async function laneScan(
  carry: ScanCarry,
  opts: ScanOptions & { width: number },
  search: Pick<Activities, 'scanPage'>,
  onPage: (carry: ScanCarry) => Promise<void>,
): Promise<'done' | 'continue' | 'stopped'> {
  const lanes: Lane[] = (carry.lanes ?? [carry.cursor])
    .filter((cursor) => !cursor.done)
    .map((cursor) => ({ cursor, remaining: null, busy: false }));
  const limit = opts.pagesPerRun ?? PAGES_PER_RUN;
  let pagesThisRun = 0;
  let inFlight = 0;
  let completions = 0;
  let failure: unknown;

  const publish = () => {
    carry.lanes = lanes.map((lane) => lane.cursor);
    carry.cursor = overall(carry.cursor, lanes);
    const known = lanes.map((lane) => lane.remaining).filter((r): r is number => r !== null);
    if (known.length > 0) carry.estimatedTotal = carry.totals.seen + known.reduce((a, b) => a + b, 0);
  };

  const settle = (lane: Lane, page: ScanPageOutput) => {
    lane.busy = false;
    settleLane(lanes, lane, page, opts);
    carry.pages += 1;
    carry.requests += 1;
    carry.totals = addTotals(carry.totals, page.totals);
    publish();
  };

  const start = (lane: Lane) => {
    lane.busy = true;
    inFlight += 1;
    pagesThisRun += 1;
    search
      .scanPage({ cursor: lane.cursor, pageSize: opts.pageSize, withTestUser: opts.withTestUser, source: opts.source })
      .then(
        async (page) => {
          settle(lane, page);
          await onPage(carry);
        },
        (error: unknown) => {
          lane.busy = false;
          failure ??= error;
        },
      )
      .finally(() => {
        inFlight -= 1;
        completions += 1;
      });
  };

  const mayStart = () =>
    failure === undefined &&
    !opts.control.paused &&
    !opts.control.stopRequested &&
    pagesThisRun < limit &&
    !(pagesThisRun > 0 && workflowInfo().continueAsNewSuggested);

  publish();
  try {
    for (;;) {
      while (mayStart() && inFlight < opts.width) {
        const idle = lanes.find((lane) => !lane.busy);
        if (!idle) break;
        start(idle);
      }
      if (inFlight === 0) {
        if (failure !== undefined) throw failure;
        if (opts.control.stopRequested) return 'stopped';
        if (lanes.length === 0) return 'done';
        if (opts.control.paused) {
          await opts.onPause?.();
          await condition(() => !opts.control.paused || opts.control.stopRequested);
          continue;
        }
        return 'continue';
      }
      const seen = completions;
      const wasPaused = opts.control.paused;
      await condition(() => completions !== seen || opts.control.paused !== wasPaused);
    }
  } finally {
    // Cancelled while pages are in flight: they still finish and are counted before the scan reports.
    if (inFlight > 0) await CancellationScope.nonCancellable(() => condition(() => inFlight === 0));
  }
}
