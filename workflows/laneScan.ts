import { CancellationScope, condition, isCancellation, workflowInfo } from '@temporalio/workflow';
import { addTotals, type ScanCarry } from './messages';
import { overall, settleLane, type Lane } from './lanes';
import { PAGES_PER_RUN, type ScanOptions } from './scanControl';
import type { Activities } from '../activities';
import type { ScanPageInput, ScanPageOutput } from '../activities/scan';

/**
 * A keyset scan over several disjoint createdTime ranges ("lanes") at once, so that one page's Descope round
 * trip and MongoDB write overlap the next page's instead of waiting on it, and the search task queue's rate
 * limit (not a single page's latency) sets the pace. Width 1 (reconciliation, and every modifiedTime scan,
 * which is never cut) reads one page at a time, in order.
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
 * Pause, cancellation and a failed page withdraw the pages in flight: each runs in a cancellation scope of its
 * own, and cancelling it removes a page still queued (the server cancels an activity no worker has started) or
 * stops one still waiting to send; a page whose request was sent completes, is written and is counted once
 * (the search profile waits for cancellations to complete). A withdrawn page is read again later.
 */
export async function laneScan(
  carry: ScanCarry,
  opts: ScanOptions & { width: number },
  search: PageReader,
  onPage: (carry: ScanCarry) => Promise<void>,
): Promise<'done' | 'continue'> {
  return new LaneScan(carry, opts, search, onPage).run();
}

interface PageReader {
  scanPage: (input: ScanPageInput) => ReturnType<Activities['scanPage']>;
}

/** One run of a lane scan: its lanes, the pages in flight and how each ends. */
class LaneScan {
  private readonly lanes: Lane[];
  private readonly limit: number;
  private readonly scopes = new Map<Lane, CancellationScope>();
  private readonly withdrawn = new Set<Lane>();
  private pagesThisRun = 0;
  private completions = 0;
  private failure: unknown;

  constructor(
    private readonly carry: ScanCarry,
    private readonly opts: ScanOptions & { width: number },
    private readonly search: PageReader,
    private readonly onPage: (carry: ScanCarry) => Promise<void>,
  ) {
    this.lanes = (carry.lanes ?? [carry.cursor])
      .filter((cursor) => !cursor.done)
      .map((cursor) => ({ cursor, remaining: null, busy: false }));
    this.limit = opts.pagesPerRun ?? PAGES_PER_RUN;
  }

  private get control() {
    return this.opts.control;
  }

  async run(): Promise<'done' | 'continue'> {
    this.publish();
    try {
      for (;;) {
        this.startIdleLanes();
        if (this.control.inFlight === 0) {
          if (this.failure !== undefined) throw this.failure;
          if (this.lanes.length === 0) return 'done';
          if (!this.control.paused) return 'continue';
          await this.opts.onPause?.();
          await condition(() => !this.control.paused);
          continue;
        }
        if (this.control.paused || this.failure !== undefined) this.withdraw();
        const seen = this.completions;
        const wasPaused = this.control.paused;
        await condition(() => this.completions !== seen || this.control.paused !== wasPaused);
      }
    } finally {
      // Cancelled: pages not yet sent are withdrawn; those already sent finish and are counted before the scan reports.
      if (this.control.inFlight > 0) {
        this.withdraw();
        await CancellationScope.nonCancellable(() => condition(() => this.control.inFlight === 0));
      }
    }
  }

  private startIdleLanes(): void {
    while (this.mayStart() && this.control.inFlight < this.opts.width) {
      const idle = this.lanes.find((lane) => !lane.busy);
      if (!idle) return;
      idle.busy = true;
      this.control.inFlight += 1;
      this.pagesThisRun += 1;
      void this.read(idle);
    }
  }

  private mayStart(): boolean {
    return (
      this.failure === undefined &&
      !this.control.paused &&
      this.pagesThisRun < this.limit &&
      !(this.pagesThisRun > 0 && workflowInfo().continueAsNewSuggested)
    );
  }

  /** Never rejects: whatever a page does ends here, so no failure can escape as an unhandled rejection. */
  private async read(lane: Lane): Promise<void> {
    const scope = new CancellationScope();
    this.scopes.set(lane, scope);
    try {
      const { opts } = this;
      const input = { cursor: lane.cursor, pageSize: opts.pageSize, withTestUser: opts.withTestUser };
      const page = await scope.run(() => this.search.scanPage({ ...input, source: opts.source }));
      lane.busy = false;
      this.settle(lane, page);
      await this.onPage(this.carry);
    } catch (error) {
      // Withdrawn: the lane reads the same page again. A withdrawn page can also END in a failure rather than a
      // cancellation (its request was on the wire and failed; Temporal does not retry an activity whose
      // cancellation was requested): it is withdrawn all the same, not the scan's failure (simulation seed 6).
      if (isCancellation(error) || this.withdrawn.has(lane)) this.pagesThisRun -= 1;
      else this.failure ??= error;
    } finally {
      lane.busy = false;
      this.withdrawn.delete(lane);
      this.scopes.delete(lane);
      this.control.inFlight -= 1;
      this.completions += 1;
    }
  }

  private settle(lane: Lane, page: ScanPageOutput): void {
    settleLane(this.lanes, lane, page, this.opts);
    this.carry.pages += 1;
    this.carry.requests += 1;
    this.carry.totals = addTotals(this.carry.totals, page.totals);
    this.publish();
  }

  private publish(): void {
    const { carry, lanes } = this;
    carry.lanes = lanes.map((lane) => lane.cursor);
    carry.cursor = overall(carry.cursor, lanes);
    const known = lanes.map((lane) => lane.remaining).filter((r): r is number => r !== null);
    if (known.length > 0) carry.estimatedTotal = carry.totals.seen + known.reduce((a, b) => a + b, 0);
  }

  private withdraw(): void {
    for (const [lane, scope] of this.scopes) {
      this.withdrawn.add(lane);
      scope.cancel();
    }
    this.scopes.clear();
  }
}
