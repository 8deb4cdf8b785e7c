import type { DescopeUser } from '../types';
import { mergeSorted, sortByTime } from './sortUsers';

type Compare = (a: DescopeUser, b: DescopeUser) => number;

/**
 * Users sorted by (one time field, userId). Range filters become two binary searches instead of a scan of
 * every user, which is what keeps a windowed search fast at a million users.
 */
export class TimeIndex {
  private rows: DescopeUser[] = [];

  constructor(
    private readonly secondsOf: (user: DescopeUser) => number,
    private readonly compare: Compare,
  ) {}

  get size(): number {
    return this.rows.length;
  }

  at(index: number): DescopeUser | undefined {
    return this.rows[index];
  }

  /** Adds many users at once: one merge instead of one splice each. */
  addMany(users: DescopeUser[]): void {
    const sorted = sortByTime(users, this.secondsOf);
    this.rows = this.rows.length === 0 ? sorted : mergeSorted(this.rows, sorted, this.compare);
  }

  insert(user: DescopeUser): void {
    this.rows.splice(this.position(user), 0, user);
  }

  remove(user: DescopeUser): void {
    const at = this.position(user);
    if (this.rows[at]?.userId === user.userId) this.rows.splice(at, 1);
  }

  /** Swaps a user for its new version when the indexed time did not change (the common case for createdTime). */
  replace(previous: DescopeUser, next: DescopeUser): void {
    const at = this.position(previous);
    if (this.secondsOf(previous) === this.secondsOf(next) && this.rows[at]?.userId === previous.userId) {
      this.rows[at] = next;
      return;
    }
    this.remove(previous);
    this.insert(next);
  }

  /** Removal of many users in one pass; cheaper than a splice per user beyond a handful. */
  removeAll(userIds: ReadonlySet<string>): void {
    this.rows = this.rows.filter((user) => !userIds.has(user.userId));
  }

  clear(): void {
    this.rows = [];
  }

  /**
   * Half-open row range [lo, hi) of users whose time, in milliseconds, is `> fromMs` and `<= toMs`: Descope
   * compares second-resolution user times against millisecond filters, `from` exclusive and `to` inclusive.
   */
  rangeMs(fromMs: number | undefined, toMs: number | undefined): [number, number] {
    const lo = fromMs === undefined ? 0 : this.firstAfterMs(fromMs);
    const hi = toMs === undefined ? this.rows.length : this.firstAfterMs(toMs);
    return [lo, Math.max(lo, hi)];
  }

  private firstAfterMs(ms: number): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const row = this.rows[mid];
      if (row && this.secondsOf(row) * 1000 <= ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private position(user: DescopeUser): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const row = this.rows[mid];
      if (row && this.compare(row, user) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
