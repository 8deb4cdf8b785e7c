/**
 * The data that travels between the webhook, the workflows and the activities: plain types and pure functions,
 * no Temporal and no I/O. Workflows and activities both import it; activities import nothing from workflows/.
 */

/** A keyset position over a Descope time field. Times in seconds, bounds in ms, as Descope's API has them. */
export interface ScanCursor {
  field: 'createdTime' | 'modifiedTime';
  /** Every user whose time field is at or before this second has been read. null: nothing read yet. */
  afterSecond: number | null;
  /** Lower bound (ms, exclusive) when afterSecond is null; 0 means none. */
  fromMs: number;
  /** Upper bound, epoch ms, inclusive. */
  upperMs: number;
  /**
   * Where the last full page stopped inside the second after `afterSecond`: the range's first `rows` users in the
   * scan's order (time, then user id) have been read, the last of them `anchor` (one or two ids, in order). The
   * next request starts at row `rows - anchor.length`, so it must begin with those users (see activities/keyset.ts).
   */
  resume?: { rows: number; anchor: string[] };
  /** How often a resume point was not where it should be: past a few, the scan re-reads seconds from their start. */
  resumeMisses?: number;
  /** Offset paging inside one second that holds more users than a page (bulk imports); second null: the whole range. */
  cluster?: {
    second: number | null;
    page: number;
    total: number | null;
    restarts: number;
    /**
     * Set on every slice of a cut second but its last: the page this slice stops before, where the next slice
     * starts. A slice with it ends with its pages; the slice without it goes on past the second.
     */
    endPage?: number;
    /** The row page 0 starts at (0 when absent): a second entered after a page of it was read goes on from there. */
    base?: number;
    /** The users the next page must begin with: set when the second is entered part-way, checked on its first page. */
    anchor?: string[];
  };
  done: boolean;
}

export interface WriteTotals {
  seen: number;
  applied: number;
  unchanged: number;
  stale: number;
  tombstoned: number;
  inserted: number;
}

/**
 * One audit event, applied by its own `applyAuditEvent` workflow. A single-user event names `userId`; a batch
 * event (`UsersCreated`, `UsersModified`, `UsersDeleted`) is ONE event and names every user in `userIds`.
 * Only ids travel through Temporal: user documents never enter workflow history.
 */
export interface ApplyEventInput {
  eventId: string;
  action: string;
  userId?: string;
  userIds?: string[];
  occurredMs?: number | null;
  receivedMs?: number;
}

export const emptyTotals = (): WriteTotals => ({
  seen: 0,
  applied: 0,
  unchanged: 0,
  stale: 0,
  tombstoned: 0,
  inserted: 0,
});

export function addTotals(a: WriteTotals, b: Partial<WriteTotals>): WriteTotals {
  return {
    seen: a.seen + (b.seen ?? 0),
    applied: a.applied + (b.applied ?? 0),
    unchanged: a.unchanged + (b.unchanged ?? 0),
    stale: a.stale + (b.stale ?? 0),
    tombstoned: a.tombstoned + (b.tombstoned ?? 0),
    inserted: a.inserted + (b.inserted ?? 0),
  };
}

/** A batch event that named no users: reconcile around `occurredMs` (UsersDeleted: a full sweep). */
export interface IntakeWindow {
  eventId: string;
  action: 'UsersCreated' | 'UsersModified' | 'UsersDeleted';
  occurredMs: number;
  receivedMs: number;
}

/** What applying an event did to its users, by outcome (the write path's words, plus `skipped` test users). */
export type UserOutcome = 'applied' | 'unchanged' | 'stale' | 'tombstoned' | 'skipped';
export type OutcomeCounts = Partial<Record<UserOutcome, number>>;

/** An event's outcome in one line: a single user's outcome, or a batch event's counts ("applied 4990, stale 10"). */
export function describeOutcome(counts: OutcomeCounts): string {
  const entries = Object.entries(counts).filter(([, n]) => n !== undefined && n > 0);
  if (entries.length === 1 && entries[0]![1] === 1) return entries[0]![0];
  return entries.map(([outcome, n]) => `${outcome} ${n}`).join(', ') || 'empty';
}

export function addCounts(into: OutcomeCounts, counts: OutcomeCounts): OutcomeCounts {
  for (const [outcome, n] of Object.entries(counts) as [keyof OutcomeCounts, number][]) {
    into[outcome] = (into[outcome] ?? 0) + n;
  }
  return into;
}
