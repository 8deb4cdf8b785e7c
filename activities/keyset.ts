import type { ScanCursor } from '../src/messages';
import type { SearchRequest } from '../src/descope/api';
import type { DescopeUser } from '../src/store/types';

/**
 * Keyset paging over a Descope time field, so that users created or deleted while a scan runs never make it
 * skip a surviving user (Descope pages by offset, with no snapshot).
 *
 * Every request sorts by the time field, then by user id: one strict order, whatever the filter. Each asks for
 * users whose time is after the cursor's second, oldest first. A full page usually stops part-way through its last
 * second, which may go on: the cursor moves to the second before it and resumes inside it by offset, from the
 * last one or two users already read (the anchor). A reply that begins with exactly those users proves that every
 * user after them in the order, read or not, is at or after the reply's next row, whatever was created or deleted
 * meanwhile, so nothing unread slid behind the offset. A reply that does not (a deletion or a change before the
 * anchor, or a Descope that ignores `offset`) is dropped and that second read again from its start; after a few
 * such misses the scan stops resuming inside seconds and always re-reads them (idempotent writes).
 *
 * When a whole page is one second (a bulk import), that second is paged on its own by offset, from where the page
 * stopped (anchored the same way) or from its start, stepping back whenever Descope's `total` for it falls, since
 * a deletion inside it shifts later rows back.
 *
 * Units: user times are epoch seconds; filters are epoch ms, `from` exclusive and `to` inclusive.
 */

/** Users read again at the start of a resumed page, to prove nothing moved before them. */
const ANCHOR = 2;
/** Resume points not found before the scan re-reads seconds instead (see `resumeMisses`). */
const MAX_RESUME_MISSES = 3;

export function nextRequest(cursor: ScanCursor, pageSize: number): SearchRequest {
  const [fromKey, toKey] =
    cursor.field === 'createdTime'
      ? (['fromCreatedTime', 'toCreatedTime'] as const)
      : (['fromModifiedTime', 'toModifiedTime'] as const);
  // Offset paging needs the same order on every request: the user id breaks ties inside a second.
  const sort = [
    { field: cursor.field, desc: false },
    { field: 'id', desc: false },
  ];
  const second = cursor.cluster?.second ?? null;
  const range =
    second === null
      ? rangeOf(cursor, fromKey, toKey)
      : { [fromKey]: second * 1000 - 1, [toKey]: Math.min(second * 1000 + 999, cursor.upperMs) };
  return { ...range, sort, limit: pageSize, ...positionOf(cursor, pageSize) };
}

function rangeOf(cursor: ScanCursor, fromKey: keyof SearchRequest, toKey: keyof SearchRequest): SearchRequest {
  const from = cursor.afterSecond === null ? cursor.fromMs : cursor.afterSecond * 1000 + 999;
  // 0 means "no filter" to Descope; a cursor before the epoch has nothing to exclude anyway.
  return { [fromKey]: Math.max(from, 0), [toKey]: cursor.upperMs };
}

/** Descope's page, or a row offset where the next request does not start on a whole page. */
function positionOf(cursor: ScanCursor, pageSize: number): { page: number; offset?: number } {
  if (cursor.cluster && cursor.cluster.base === undefined) return { page: cursor.cluster.page };
  const row = firstRow(cursor, pageSize);
  return row > 0 ? { page: 0, offset: row } : { page: 0 };
}

/** The row of the cursor's range (or crowded second) that its next request starts at. */
function firstRow(cursor: ScanCursor, pageSize: number): number {
  if (cursor.cluster) return Math.max((cursor.cluster.base ?? 0) + cursor.cluster.page * pageSize, 0);
  if (cursor.resume) return cursor.resume.rows - cursor.resume.anchor.length;
  return 0;
}

/**
 * How many users a page lacks against Descope's own count for that request. Every request is one range (or
 * one crowded second) at one offset, and `total` counts the whole of it, so a page must hold
 * min(pageSize, total - offset) users. Fewer is a partial outage or a clamped limit, not the end of the range:
 * the page must be read again, never taken as the last one. (Deletions between requests only lower the next
 * request's total; a single reply is consistent with itself.)
 */
export function missingFromPage(cursor: ScanCursor, count: number, total: number, pageSize: number): number {
  const expected = Math.min(pageSize, Math.max(total - firstRow(cursor, pageSize), 0));
  return Math.max(expected - count, 0);
}

export function advance(cursor: ScanCursor, users: DescopeUser[], total: number, pageSize: number): ScanCursor {
  const { cluster } = cursor;
  if (!cluster) return advanceByKey(cursor, users, pageSize);
  if (pastAnchor(cluster.anchor, users) === undefined) {
    // The second changed before where the last page stopped (or Descope ignored the offset): page it from its start.
    const restart = { second: cluster.second, page: 0, total: null, restarts: cluster.restarts + 1 };
    return { ...cursor, resumeMisses: (cursor.resumeMisses ?? 0) + 1, cluster: restart };
  }
  const { anchor: _checked, ...settled } = cluster;
  return advanceInCluster({ ...cursor, cluster: settled }, settled, users.length, total, pageSize);
}

function advanceByKey(cursor: ScanCursor, users: DescopeUser[], pageSize: number): ScanCursor {
  const { resume, ...next } = cursor;
  if (pastAnchor(resume?.anchor, users) === undefined) return { ...next, resumeMisses: (cursor.resumeMisses ?? 0) + 1 };
  if (users.length < pageSize) return { ...next, afterSecond: secondOf(cursor.upperMs), done: true };
  const times = timesOf(cursor, users);
  if (!times) {
    // Descope may omit modifiedTime: without the field there is no key to page on, so the rest of the range
    // is paged by offset (fine for reconciliation, whose range holds only recent changes). From page 0 again:
    // the offset paging reads the range from its start.
    return { ...next, cluster: { second: null, page: 0, total: null, restarts: 0 } };
  }
  const anchor = resumable(cursor, times, pageSize) ? lastIds(cursor, users, times, pageSize) : [];
  if (times.first === times.last) {
    if (anchor.length === 0) return { ...next, cluster: { second: times.last, page: 0, total: null, restarts: 0 } };
    // The second's rows read so far end with this page; the second's own paging goes on from its anchor.
    const base = firstRow(cursor, pageSize) + users.length - anchor.length - pageSize;
    return { ...next, cluster: { second: times.last, page: 1, total: null, restarts: 0, base, anchor } };
  }
  if (anchor.length === 0) return { ...next, afterSecond: times.last - 1 };
  const rows = users.filter((u) => u[cursor.field] === times.last).length;
  return { ...next, afterSecond: times.last - 1, resume: { rows, anchor } };
}

function advanceInCluster(
  cursor: ScanCursor,
  cluster: NonNullable<ScanCursor['cluster']>,
  count: number,
  total: number,
  pageSize: number,
): ScanCursor {
  // Only deletions shrink a past second (or a past range): d of them move unread rows back by at most d places,
  // so stepping back ceil(d / pageSize) pages re-reads whatever slid behind the offset. The total kept only ever
  // falls, and each step back needs it to fall, so the paging ends even if Descope's count flaps.
  if (cluster.total !== null && total < cluster.total) {
    const page = Math.max(cluster.page - Math.ceil((cluster.total - total) / pageSize), 0);
    return { ...cursor, cluster: { ...cluster, page, total, restarts: cluster.restarts + 1 } };
  }
  if (count < pageSize && cluster.second === null) return { ...cursor, cluster: undefined, done: true };
  // A slice of a cut second ends at its last page, or earlier if deletions shortened the second: the slice
  // after it steps back over whatever slid across the boundary.
  const sliceEnds = cluster.endPage !== undefined && (count < pageSize || cluster.page + 1 >= cluster.endPage);
  if (sliceEnds) return { ...cursor, cluster: undefined, done: true };
  if (count < pageSize) return { ...cursor, afterSecond: cluster.second, cluster: undefined };
  return { ...cursor, cluster: { ...cluster, page: cluster.page + 1, total: Math.min(total, cluster.total ?? total) } };
}

/**
 * The users of a page worth writing: those past its anchor, if it begins with it (a reply that does not is read
 * again). Where the next request reads part of the page again from a second's start (a full page's last second
 * when the scan does not resume inside seconds, a page that switches to offset paging from its first row), those
 * users are left for the read that owns them: each user is then written once per scan, as a cheap insert rather
 * than a guarded update.
 */
export function usersToWrite(cursor: ScanCursor, users: DescopeUser[], pageSize: number): DescopeUser[] {
  const fresh = pastAnchor(cursor.cluster ? cursor.cluster.anchor : cursor.resume?.anchor, users);
  if (fresh === undefined) return [];
  if (cursor.cluster || users.length < pageSize) return fresh;
  const times = timesOf(cursor, users);
  if (!times) return [];
  if (resumable(cursor, times, pageSize)) return fresh;
  return times.first === times.last ? [] : fresh.filter((u) => (u[cursor.field] as number) < times.last);
}

/** The users after `anchor`, or undefined when the page does not begin with exactly those users. */
function pastAnchor(anchor: string[] | undefined, users: DescopeUser[]): DescopeUser[] | undefined {
  if (!anchor) return users;
  return anchor.every((id, i) => users[i]?.userId === id) ? users.slice(anchor.length) : undefined;
}

interface PageTimes {
  first: number;
  last: number;
  /** Oldest first, as asked: only then is the page a prefix of the range in the scan's order. */
  ascending: boolean;
}

function timesOf(cursor: ScanCursor, users: DescopeUser[]): PageTimes | undefined {
  const times = users.map((u) => u[cursor.field]);
  if (!times.every((t): t is number => typeof t === 'number')) return undefined;
  const ascending = times.every((t, i) => i === 0 || t >= (times[i - 1] as number));
  return { first: Math.min(...times), last: Math.max(...times), ascending };
}

/** Whether the next request may start inside the page's last second rather than at its start. */
function resumable(cursor: ScanCursor, times: PageTimes, pageSize: number): boolean {
  return times.ascending && pageSize > 1 && (cursor.resumeMisses ?? 0) < MAX_RESUME_MISSES;
}

/** The anchor of a full page: its last users (of its last second), fewer than a page so each request moves on. */
function lastIds(cursor: ScanCursor, users: DescopeUser[], times: PageTimes, pageSize: number): string[] {
  const inLastSecond = users.filter((u) => u[cursor.field] === times.last).length;
  return users.slice(users.length - Math.min(ANCHOR, inLastSecond, pageSize - 1)).map((u) => u.userId);
}

export function secondOf(ms: number): number {
  return Math.floor(ms / 1000);
}
