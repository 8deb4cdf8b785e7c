import type { ScanCursor } from '../src/messages';
import type { SearchRequest } from '../src/descope/api';
import type { DescopeUser } from '../src/store/types';

/**
 * Keyset paging over a Descope time field, so that users created or deleted while a scan runs never make it
 * skip a surviving user (Descope pages by offset, with no snapshot).
 *
 * Each request asks for users whose time is after the cursor's second, oldest first. Descope's order among
 * users of the SAME second is undocumented, so the last second of a full page may continue on the next page:
 * the cursor only moves to the second before it, and the next request re-reads that second (writes are
 * idempotent). When a whole page is one second (a bulk import), that second is paged on its own by offset, in
 * a stable order (user id breaks the ties), stepping back whenever Descope's `total` for it falls, since a
 * deletion inside it shifts later rows back.
 *
 * Units: user times are epoch seconds; filters are epoch ms, `from` exclusive and `to` inclusive.
 */
export function nextRequest(cursor: ScanCursor, pageSize: number): SearchRequest {
  const [fromKey, toKey] =
    cursor.field === 'createdTime'
      ? (['fromCreatedTime', 'toCreatedTime'] as const)
      : (['fromModifiedTime', 'toModifiedTime'] as const);
  const sort = [{ field: cursor.field, desc: false }];
  if (cursor.cluster) {
    // Offset paging needs the same order on every request: the user id breaks ties inside a second.
    const stable = [...sort, { field: 'id', desc: false }];
    const second = cursor.cluster.second;
    if (second === null)
      return { ...rangeOf(cursor, fromKey, toKey), sort: stable, limit: pageSize, page: cursor.cluster.page };
    return {
      [fromKey]: second * 1000 - 1,
      [toKey]: Math.min(second * 1000 + 999, cursor.upperMs),
      sort: stable,
      limit: pageSize,
      page: cursor.cluster.page,
    };
  }
  return { ...rangeOf(cursor, fromKey, toKey), sort, limit: pageSize, page: 0 };
}

function rangeOf(cursor: ScanCursor, fromKey: keyof SearchRequest, toKey: keyof SearchRequest): SearchRequest {
  const from = cursor.afterSecond === null ? cursor.fromMs : cursor.afterSecond * 1000 + 999;
  // 0 means "no filter" to Descope; a cursor before the epoch has nothing to exclude anyway.
  return { [fromKey]: Math.max(from, 0), [toKey]: cursor.upperMs };
}

/**
 * How many users a page lacks against Descope's own count for that request. Every request is one range (or
 * one crowded second) at one offset, and `total` counts the whole of it, so a page must hold
 * min(pageSize, total - offset) users. Fewer is a partial outage or a clamped limit, not the end of the range:
 * the page must be read again, never taken as the last one. (Deletions between requests only lower the next
 * request's total; a single reply is consistent with itself.)
 */
export function missingFromPage(cursor: ScanCursor, count: number, total: number, pageSize: number): number {
  const offset = cursor.cluster ? cursor.cluster.page * pageSize : 0;
  const expected = Math.min(pageSize, Math.max(total - offset, 0));
  return Math.max(expected - count, 0);
}

export function advance(cursor: ScanCursor, users: DescopeUser[], total: number, pageSize: number): ScanCursor {
  if (cursor.cluster) return advanceInCluster(cursor, cursor.cluster, users.length, total, pageSize);
  if (users.length < pageSize) return { ...cursor, afterSecond: secondOf(cursor.upperMs), done: true };
  const times = users.map((u) => u[cursor.field]);
  if (times.some((t) => typeof t !== 'number')) {
    // Descope may omit modifiedTime: without the field there is no key to page on, so the rest of the range
    // is paged by offset (fine for reconciliation, whose range holds only recent changes). From page 0 again:
    // this page came in the keyset's order, which is not the offset paging's.
    return { ...cursor, cluster: { second: null, page: 0, total: null, restarts: 0 } };
  }
  const first = Math.min(...(times as number[]));
  const last = Math.max(...(times as number[]));
  if (first === last) return { ...cursor, cluster: { second: last, page: 0, total: null, restarts: 0 } };
  return { ...cursor, afterSecond: last - 1 };
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
 * The users of a page worth writing. A full page's last second is read again by the next request, and a page
 * that switches to offset paging is read again from its first offset, so those users are left for the read
 * that owns them: each user is then written once per scan, as a cheap insert rather than a guarded update.
 */
export function usersToWrite(cursor: ScanCursor, users: DescopeUser[], pageSize: number): DescopeUser[] {
  if (cursor.cluster || users.length < pageSize) return users;
  const times = users.map((u) => u[cursor.field]);
  if (times.some((t) => typeof t !== 'number')) return [];
  const last = Math.max(...(times as number[]));
  return users.filter((u) => (u[cursor.field] as number) < last);
}

export function secondOf(ms: number): number {
  return Math.floor(ms / 1000);
}
