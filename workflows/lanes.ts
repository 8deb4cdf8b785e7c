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
 * fewer lanes than `width` and more than a page is left, is cut in two (the upper half placed right after it,
 * so the list stays in range order).
 */
export function settleLane(
  lanes: Lane[],
  lane: Lane,
  page: { cursor: ScanCursor; total: number; totals: { seen: number } },
  opts: { width: number; pageSize: number },
): void {
  lane.cursor = page.cursor;
  lane.remaining = page.cursor.done ? 0 : Math.max(page.total - page.totals.seen, 0);
  if (lane.cursor.done) lanes.splice(lanes.indexOf(lane), 1);
  else if (lanes.length < opts.width && lane.remaining > opts.pageSize) {
    const upper = cut(lane, opts.pageSize);
    if (upper) lanes.splice(lanes.indexOf(lane) + 1, 0, upper);
  }
}

/**
 * Splits a lane in two and returns the upper half, or null if it cannot be split. A time range is cut at the
 * middle second of what it has left. A second with more users than a page (a bulk import, paged by offset in a
 * stable order) is cut at its middle page once its size is known: the lower slice stops there, the upper one
 * starts there knowing the second's size, so it steps back over rows that deletions slide across the boundary.
 */
export function cut(lane: Lane, pageSize: number): Lane | null {
  const { cursor } = lane;
  if (cursor.field !== 'createdTime') return null;
  const half = lane.remaining === null ? null : Math.ceil(lane.remaining / 2);
  const { cluster } = cursor;
  if (cluster) {
    if (cluster.second === null || cluster.total === null) return null;
    const end = cluster.endPage ?? Math.ceil(cluster.total / pageSize);
    if (end - cluster.page < 2) return null;
    const middle = cluster.page + Math.floor((end - cluster.page) / 2);
    lane.cursor = { ...cursor, cluster: { ...cluster, endPage: middle } };
    lane.remaining = half;
    const upper: NonNullable<ScanCursor['cluster']> = { ...cluster, page: middle, restarts: 0 };
    return { cursor: { ...cursor, cluster: upper }, remaining: half, busy: false };
  }
  const from = cursor.afterSecond ?? Math.floor(cursor.fromMs / 1000);
  const to = Math.floor(cursor.upperMs / 1000);
  if (to - from < 2) return null;
  const middle = Math.floor((from + to) / 2);
  lane.cursor = { ...cursor, upperMs: middle * 1000 + 999 };
  lane.remaining = half;
  return {
    cursor: { ...cursor, afterSecond: null, fromMs: middle * 1000 + 999, upperMs: cursor.upperMs, done: false },
    remaining: half,
    busy: false,
  };
}

/** The whole scan as one cursor: read up to its lowest unfinished lane, bounded by the scan's own range. */
export function overall(scan: ScanCursor, lanes: Lane[]): ScanCursor {
  if (lanes.length === 0) return { ...scan, afterSecond: Math.floor(scan.upperMs / 1000), cluster: undefined, done: true };
  const lowest = lanes[0]!.cursor;
  return { ...scan, afterSecond: lowest.afterSecond, fromMs: lowest.fromMs, cluster: undefined, done: false };
}
