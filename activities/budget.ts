import { Context } from '@temporalio/activity';
import type { Collection, Db } from 'mongodb';
import { RateLimitGate } from './failures';
import { isDuplicateKey } from '../src/store/writeUsers';

export type BudgetKind = 'search' | 'load';

interface SlotDocument {
  _id: string;
  kind: BudgetKind;
  index: number;
}

/** Unused slots a request may still take after they passed (absorbs jitter in arrivals). */
export const BURST_SLOTS = 2;

/**
 * How late a slot may still be taken, in time: at high budgets a slot lasts a millisecond or less, shorter than
 * the insert that claims it, so a lateness counted in slots alone would drop every claim and never send.
 */
export const LATE_MS = 1000;

/** Slots a request may take after they passed, at `rpm`: BURST_SLOTS, or LATE_MS worth when that is more. */
export function lateSlots(rpm: number): number {
  return Math.max(BURST_SLOTS, Math.ceil(LATE_MS / (60_000 / rpm)));
}

/** Collection of claimed slots; tiny (about two minutes of slots per kind). */
export const BUDGET_COLLECTION = 'descope_budget';

/**
 * Descope's limits are per project, so its budget must hold for the whole fleet and count requests, not
 * activities. Time is cut into slots of 60000/rpm ms; a request goes only in a slot its process claimed by
 * inserting the slot's `_id`. An insert either wins the slot or fails with a duplicate key on every
 * MongoDB-wire server (no transactions, no locks). A slot left unused may still be taken up to
 * `lateSlots(rpm)` slots late (so requests arriving with jitter at exactly the budget's rate lose no slots), and
 * never once more recent slots are taken; so any 60 s window holds at most rpm + lateSlots(rpm) + 1 requests
 * (154 at the default 150), however many workers send them. Adding workers adds no load: they share the same slots.
 */
export class FleetBudget {
  private readonly next = new Map<BudgetKind, number>();
  private claims = 0;

  constructor(
    private readonly slots: Collection<SlotDocument>,
    private readonly rpm: Record<BudgetKind, number>,
    private readonly now: () => number = Date.now,
  ) {}

  static inDatabase(db: Db, rpm: Record<BudgetKind, number>, now?: () => number): FleetBudget {
    return new FleetBudget(db.collection<SlotDocument>(BUDGET_COLLECTION), rpm, now);
  }

  /** Resolves when this process may send one `kind` request; rejects when `signal` aborts first. */
  async take(kind: BudgetKind, signal?: AbortSignal): Promise<void> {
    const slotMs = 60_000 / this.rpm[kind];
    const late = lateSlots(this.rpm[kind]);
    for (;;) {
      signal?.throwIfAborted();
      // Read and bump synchronously, so concurrent takes of this process never try the same slot twice. The
      // oldest slot tried is half the lateness back, so the insert that claims it has the other half to answer.
      const index = Math.max(Math.floor(this.now() / slotMs) - Math.floor(late / 2), this.next.get(kind) ?? 0);
      this.next.set(kind, index + 1);
      if (!(await this.claim(kind, index))) continue;
      await sleep(index * slotMs - this.now(), signal);
      // A claim that answered too late (a slow insert, a paused process) is dropped, not used out of place.
      if (Math.floor(this.now() / slotMs) - late <= index) return;
    }
  }

  private async claim(kind: BudgetKind, index: number): Promise<boolean> {
    if (++this.claims % 256 === 0) await this.prune(kind, index);
    try {
      await this.slots.insertOne({ _id: `${kind}:${index}`, kind, index });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Slots more than two minutes old can never be claimed again. */
  private async prune(kind: BudgetKind, index: number): Promise<void> {
    await this.slots.deleteMany({ kind, index: { $lt: index - 2 * this.rpm[kind] } });
  }
}

/** A timer that an AbortSignal cancels (an activity's cancellation must not wait out a slot). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortReason(signal: AbortSignal | undefined): Error {
  return signal?.reason instanceof Error ? signal.reason : new Error('aborted');
}

/**
 * The gate scans and sweeps pass before each Descope request (withDescopeFailures): the per-process wait
 * after a 429 (`inner`, shared with the event batcher), then one slot of the fleet budget. Its wait ends
 * when the calling activity is cancelled.
 */
export class BudgetGate extends RateLimitGate {
  constructor(
    readonly inner: RateLimitGate,
    private readonly budget: FleetBudget,
    private readonly kind: BudgetKind,
  ) {
    super();
  }

  override block(ms: number | undefined): void {
    this.inner.block(ms);
  }

  override async pass(): Promise<void> {
    await this.inner.pass();
    await this.budget.take(this.kind, activitySignal());
  }
}

/** The running activity's cancellation signal (undefined outside an activity). */
export function activitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}
