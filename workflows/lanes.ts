import type { ScanCursor } from './messages';

/** One slice of a lane scan (see laneScan.ts). Pure: the workflow and the unit tests share it. */
export interface Lane {
  cursor: ScanCursor;
  /** Descope's count of users left in the lane's range after its last page; null before its first page. */
  remaining: number | null;
  busy: boolean;
}

/**
 * Takes a page's outcome into the lane list: the lane moves on, leaves the list when done, or, while there are
 * fewer lanes than `width` and more than a page is left, is cut into as many slices as there is room for (no
 * more than its pages left), placed right after it so the list stays in range order.
 */
export function settleLane(
  lanes: Lane[],
  lane: Lane,
  page: { cursor: ScanCursor; total: number; totals: { seen: number } },
  opts: { width: number; pageSize: number },
): void {
  // Descope's total counts the lane's whole range, except inside a crowded second, where it counts only that
  // second: there the lane's count goes down by what the page read.
  const before = lane.remaining;
  const inSecond = lane.cursor.cluster !== undefined && before !== null;
  lane.cursor = page.cursor;
  lane.remaining = page.cursor.done
    ? 0
    : inSecond
      ? Math.max(before - page.totals.seen, 0)
      : Math.max(page.total - page.totals.seen, 0);
  if (lane.cursor.done) lanes.splice(lanes.indexOf(lane), 1);
  else if (lanes.length < opts.width && lane.remaining > opts.pageSize) {
    const pieces = Math.min(opts.width - lanes.length + 1, Math.ceil(lane.remaining / opts.pageSize));
    lanes.splice(lanes.indexOf(lane) + 1, 0, ...cut(lane, pieces, opts.pageSize));
  }
}

/**
 * Cuts a lane into up to `pieces` slices: the lane keeps the lowest, the others are returned in order (none if
 * it cannot be cut). A time range is cut at evenly spaced seconds of what it has left. A second with more users
 * than a page (a bulk import, paged by offset in a stable order) is cut at evenly spaced pages once its size is
 * known: each slice but the last stops where the next starts, and each starts knowing the second's size, so it
 * steps back over rows that deletions slide across its boundary.
 */
export function cut(lane: Lane, pieces: number, pageSize: number): Lane[] {
  const { cursor } = lane;
  if (cursor.field !== 'createdTime') return [];
  const { cluster } = cursor;
  if (cluster) {
    if (cluster.second === null || cluster.total === null) return [];
    const end = cluster.endPage ?? Math.ceil((cluster.total - (cluster.base ?? 0)) / pageSize);
    const k = Math.min(pieces, end - cluster.page);
    if (k < 2) return [];
    const at = (i: number) => cluster.page + Math.floor((i * (end - cluster.page)) / k);
    const slices = Array.from({ length: k - 1 }, (_, j): Lane => {
      const i = j + 1;
      const remaining = share(lane.remaining, k, i);
      const endPage = i === k - 1 ? cluster.endPage : at(i + 1);
      const slice = { ...cluster, page: at(i), restarts: 0, endPage };
      if (endPage === undefined) delete slice.endPage;
      return { cursor: { ...cursor, cluster: slice }, remaining, busy: false };
    });
    lane.cursor = { ...cursor, cluster: { ...cluster, endPage: at(1) } };
    lane.remaining = share(lane.remaining, k, 0);
    return slices;
  }
  const from = cursor.afterSecond ?? Math.floor(cursor.fromMs / 1000);
  const to = Math.floor(cursor.upperMs / 1000);
  const k = Math.min(pieces, to - from);
  if (k < 2) return [];
  const at = (i: number) => from + Math.floor((i * (to - from)) / k);
  // A slice starts at a second boundary: where its lane stopped inside a second stays with the lane.
  const { resume: _lanes, ...start } = cursor;
  const slices = Array.from({ length: k - 1 }, (_, j): Lane => {
    const i = j + 1;
    const remaining = share(lane.remaining, k, i);
    const upperMs = i === k - 1 ? cursor.upperMs : at(i + 1) * 1000 + 999;
    return {
      cursor: { ...start, afterSecond: null, fromMs: at(i) * 1000 + 999, upperMs, done: false },
      remaining,
      busy: false,
    };
  });
  lane.cursor = { ...cursor, upperMs: at(1) * 1000 + 999 };
  lane.remaining = share(lane.remaining, k, 0);
  return slices;
}

/** Slice i's guess at its users until its first page says: the lane's count shared out, summing to it exactly. */
function share(remaining: number | null, pieces: number, i: number): number | null {
  if (remaining === null) return null;
  return Math.floor(remaining / pieces) + (i < remaining % pieces ? 1 : 0);
}

/** The whole scan as one cursor: read up to its lowest unfinished lane, bounded by the scan's own range. */
export function overall(scan: ScanCursor, lanes: Lane[]): ScanCursor {
  if (lanes.length === 0)
    return { ...scan, afterSecond: Math.floor(scan.upperMs / 1000), cluster: undefined, done: true };
  const lowest = lanes[0]!.cursor;
  return { ...scan, afterSecond: lowest.afterSecond, fromMs: lowest.fromMs, cluster: undefined, done: false };
}
