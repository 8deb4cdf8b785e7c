import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Filter } from 'mongodb';
import { toUserDocument } from './userDocument';
import { META, type UserDocument, type UserObservation, type WriteResult, type WriteSource } from './types';

const DUPLICATE_KEY = 11000;

/**
 * THE write path for user state: backfill, reconciliation, the sweep and events all land here, so the
 * ordering rule lives in one place. One unordered bulk write of idempotent upserts keyed by userId:
 *
 * - An observation lands only if it is newer (`observedAt`) than the stored one, and a snapshot never
 *   replaces a stored state that Descope itself stamped as newer (`modifiedTime`), which guards against a
 *   lagging read replica or a worker whose clock runs behind.
 * - "Absent" becomes a tombstone: the document stays, marked deleted with the time. A newer snapshot of a
 *   live user replaces a tombstone.
 *
 * The guard sits in the upsert filter. When it fails for an existing document the upsert turns into an
 * insert that collides on `_id` (E11000): that collision IS the "stale, skipped" outcome. No transactions,
 * no change streams, no read-modify-write: safe under any interleaving of concurrent writers.
 */
export async function writeUserObservations(
  users: Collection<UserDocument>,
  observations: UserObservation[],
  source: WriteSource,
  now: Date = new Date(),
): Promise<WriteResult> {
  const latest = newestPerUser(observations);
  const before = await storedHashes(users, latest);
  const ops: AnyBulkWriteOperation<UserDocument>[] = [];
  const result: WriteResult = { applied: 0, unchanged: 0, stale: 0, tombstoned: 0, inserted: 0 };
  for (const obs of latest)
    ops.push(obs.kind === 'snapshot' ? snapshotOp(obs, source, now) : tombstoneOp(obs, source, now));
  if (ops.length === 0) return result;

  const failed = await bulkWrite(users, ops);
  latest.forEach((obs, index) => {
    if (failed.has(index)) {
      result.stale += 1;
      return;
    }
    const stored = before.get(userIdOf(obs));
    if (obs.kind === 'absent') {
      result.applied += 1;
      result.tombstoned += 1;
    } else if (!stored || stored.deleted) {
      result.applied += 1;
      result.inserted += 1;
    } else if (stored.hash === toUserDocument(obs.user, obs.observedAt, source, now)[META].hash) {
      result.unchanged += 1;
    } else {
      result.applied += 1;
    }
  });
  return result;
}

function snapshotOp(obs: Extract<UserObservation, { kind: 'snapshot' }>, source: WriteSource, now: Date) {
  const doc = toUserDocument(obs.user, obs.observedAt, source, now);
  const filter: Filter<UserDocument> = { _id: doc._id, [`${META}.observedAt`]: { $lt: obs.observedAt } };
  if (doc[META].modifiedTime !== null) {
    filter.$or = [{ [`${META}.modifiedTime`]: { $lte: doc[META].modifiedTime } }, { [`${META}.modifiedTime`]: null }];
  }
  return { replaceOne: { filter, replacement: doc, upsert: true } };
}

function tombstoneOp(obs: Extract<UserObservation, { kind: 'absent' }>, source: WriteSource, now: Date) {
  // An existing tombstone is left alone: deletedAt records when the deletion was first seen.
  const filter: Filter<UserDocument> = {
    _id: obs.userId,
    [`${META}.observedAt`]: { $lt: obs.observedAt },
    [`${META}.deleted`]: { $ne: true },
  };
  const update = {
    $set: {
      [`${META}.observedAt`]: obs.observedAt,
      [`${META}.deleted`]: true,
      [`${META}.deletedAt`]: obs.observedAt,
      [`${META}.source`]: source,
      [`${META}.writtenAt`]: now,
    },
    $setOnInsert: { userId: obs.userId },
  };
  return { updateOne: { filter, update, upsert: true } };
}

/** Runs the bulk write; returns the indexes of operations the ordering guard rejected. */
async function bulkWrite(users: Collection<UserDocument>, ops: AnyBulkWriteOperation<UserDocument>[]) {
  try {
    await users.bulkWrite(ops, { ordered: false });
    return new Set<number>();
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    const other = writeErrors.find((e) => e.code !== DUPLICATE_KEY);
    if (other) throw error;
    return new Set(writeErrors.map((e) => e.index));
  }
}

/** Keeps one observation per user (the newest), so one bulk write never races against itself. */
function newestPerUser(observations: UserObservation[]): UserObservation[] {
  const byUser = new Map<string, UserObservation>();
  for (const obs of observations) {
    const current = byUser.get(userIdOf(obs));
    if (!current || obs.observedAt > current.observedAt) byUser.set(userIdOf(obs), obs);
  }
  return [...byUser.values()];
}

async function storedHashes(users: Collection<UserDocument>, observations: UserObservation[]) {
  const ids = observations.map(userIdOf);
  const stored = await users
    .find({ _id: { $in: ids } }, { projection: { [`${META}.hash`]: 1, [`${META}.deleted`]: 1 } })
    .toArray();
  return new Map(
    stored.map((doc) => [doc._id, { hash: doc[META]?.hash ?? null, deleted: doc[META]?.deleted ?? false }]),
  );
}

export function userIdOf(obs: UserObservation): string {
  return obs.kind === 'snapshot' ? obs.user.userId : obs.userId;
}
