import type { Filter } from 'mongodb';
import { META, type UserDocument } from './types';

const M = META;

/** What the write rule compares, of a stored state or of an observation. */
export interface Stamp {
  observedAt: number;
  modifiedTime: number | null;
  deleted: boolean;
}

/**
 * THE ordering rule: does the observation `next` replace the `stored` state?
 * - A deletion replaces a live user observed at or before it (a deletion wins a tie: Descope never brings a
 *   deleted user id back) and never moves a tombstone, whose deletedAt says when the deletion was first seen.
 * - A live user replaces a tombstone only when observed after it.
 * - Between two live states, Descope's own `modifiedTime` decides when both carry one and they differ: a read
 *   stamped later (a lagging read replica, a worker whose clock runs ahead) still loses to a newer change, and
 *   an older `observedAt` with a newer `modifiedTime` wins, whatever order they arrive in. Otherwise the later
 *   observation wins; an exact tie (same ms, same `modifiedTime`) keeps what is stored, and the next read
 *   settles it.
 * The filters below say the same to the server, so each write is guarded atomically.
 */
export function supersedes(next: Stamp, stored: Stamp): boolean {
  if (next.deleted) return !stored.deleted && stored.observedAt <= next.observedAt;
  if (stored.deleted || next.modifiedTime === null || stored.modifiedTime === null) {
    return stored.observedAt < next.observedAt;
  }
  if (next.modifiedTime !== stored.modifiedTime) return stored.modifiedTime < next.modifiedTime;
  return stored.observedAt < next.observedAt;
}

/** Stored documents that a live observation `next` replaces (supersedes, as a filter). */
export function replaceableBy(next: { observedAt: number; modifiedTime: number | null }): Filter<UserDocument> {
  const older = { [`${M}.observedAt`]: { $lt: next.observedAt } };
  if (next.modifiedTime === null) return older;
  return {
    $or: [
      { ...older, [`${M}.deleted`]: true },
      { ...older, [`${M}.modifiedTime`]: null },
      { ...older, [`${M}.modifiedTime`]: next.modifiedTime },
      // $lt never matches null, so a stored state without modifiedTime is left to the clauses above.
      { [`${M}.deleted`]: false, [`${M}.modifiedTime`]: { $lt: next.modifiedTime } },
    ],
  };
}

/** Stored documents that a deletion observed at `observedAt` turns into tombstones. */
export function deletableBy(observedAt: number): Filter<UserDocument> {
  return { [`${M}.deleted`]: false, [`${M}.observedAt`]: { $lte: observedAt } };
}
