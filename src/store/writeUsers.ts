import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Filter } from 'mongodb';
import { toUserDocument } from './userDocument';
import { META, type UserDocument, type UserObservation, type WriteResult, type WriteSource } from './types';

const DUPLICATE_KEY = 11000;

/** True for MongoDB's duplicate-key error (E11000): the document is stored already. */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number } | null)?.code === DUPLICATE_KEY;
}
const M = META;

type Snapshot = Extract<UserObservation, { kind: 'snapshot' }>;
type Absent = Extract<UserObservation, { kind: 'absent' }>;

/**
 * THE write path for user state: backfill, reconciliation, the sweep and events all land here, so the
 * ordering rule lives in one place.
 *
 * - An observation lands only if it is newer (`observedAt`) than the stored one, and a snapshot never
 *   replaces a state that Descope itself stamped as newer (`modifiedTime`): that guards against a lagging
 *   read replica, or a worker whose clock runs behind.
 * - "Absent" becomes a tombstone: the document stays, marked deleted with the time. A newer snapshot of a
 *   live user replaces a tombstone.
 *
 * Every step is a single-document atomic operation whose filter carries the guard, so concurrent writers in
 * any interleaving leave the newest observation stored: no transactions, no change streams, no
 * read-modify-write. The steps are ordered for cost, which matters on servers without secondary indexes:
 * 1. one unordered insertMany: a user seen for the first time needs no guard (the common backfill case);
 *    a duplicate-key error means the user is stored already;
 * 2. one updateMany moves the observation time of users whose content has not changed;
 * 3. one read of the rest, then a guarded replace for each user whose stored observation is older (sent in
 *    commands of REPLACE_CHUNK).
 * Tombstones are guarded upserts.
 */
export async function writeUserObservations(
  users: Collection<UserDocument>,
  observations: UserObservation[],
  source: WriteSource,
  now: Date = new Date(),
): Promise<WriteResult> {
  const latest = newestPerUser(observations);
  const result: WriteResult = { applied: 0, unchanged: 0, stale: 0, tombstoned: 0, inserted: 0 };
  const snapshots = latest.filter((o): o is Snapshot => o.kind === 'snapshot');
  const absents = latest.filter((o): o is Absent => o.kind === 'absent');
  const docs = new Map(snapshots.map((o) => [o.user.userId, toUserDocument(o.user, o.observedAt, source, now)]));

  const existing = await insertNew(users, [...docs.values()]);
  result.inserted = docs.size - existing.size;
  result.applied = result.inserted;
  const stored = snapshots.filter((o) => existing.has(o.user.userId));
  if (stored.length > 0) await updateExisting(users, stored, docs, source, now, result);
  if (absents.length > 0) await writeTombstones(users, absents, source, now, result);
  return result;
}

/** Inserts every document; returns the ids that were already stored. */
async function insertNew(users: Collection<UserDocument>, docs: UserDocument[]): Promise<Set<string>> {
  if (docs.length === 0) return new Set();
  try {
    await users.insertMany(docs, { ordered: false });
    return new Set();
  } catch (error) {
    return new Set(alreadyStored(error, docs.length).map((index) => docs[index]!._id));
  }
}

async function updateExisting(
  users: Collection<UserDocument>,
  stored: Snapshot[],
  docs: Map<string, UserDocument>,
  source: WriteSource,
  now: Date,
  result: WriteResult,
): Promise<void> {
  // Same content, newer observation: only the observation time moves (one statement per observation time).
  for (const [observedAt, group] of groupBy(stored, (o) => o.observedAt)) {
    await users.updateMany(
      {
        [`${M}.observedAt`]: { $lt: observedAt },
        [`${M}.deleted`]: false,
        $or: group.map((o) => ({ _id: o.user.userId, [`${M}.hash`]: docs.get(o.user.userId)![M].hash })),
      },
      { $set: { [`${M}.observedAt`]: observedAt, [`${M}.source`]: source, [`${M}.writtenAt`]: now } },
    );
  }
  const current = await users
    .find(
      { _id: { $in: stored.map((o) => o.user.userId) } },
      { projection: { [`${M}.observedAt`]: 1, [`${M}.hash`]: 1, [`${M}.deleted`]: 1 } },
    )
    .toArray();
  const byId = new Map(current.map((d) => [d._id, d[M]]));
  const replace: Snapshot[] = [];
  for (const obs of stored) {
    const meta = byId.get(obs.user.userId);
    if (meta && meta.observedAt >= obs.observedAt) {
      if (meta.observedAt === obs.observedAt && meta.hash === docs.get(obs.user.userId)![M].hash && !meta.deleted) {
        result.unchanged += 1;
      } else result.stale += 1;
    } else replace.push(obs);
  }
  if (replace.length === 0) return;
  const ops: AnyBulkWriteOperation<UserDocument>[] = replace.map((obs) => {
    const doc = docs.get(obs.user.userId)!;
    const filter: Filter<UserDocument> = { _id: doc._id, [`${M}.observedAt`]: { $lt: obs.observedAt } };
    if (doc[M].modifiedTime !== null) {
      filter.$or = [{ [`${M}.modifiedTime`]: { $lte: doc[M].modifiedTime } }, { [`${M}.modifiedTime`]: null }];
    }
    return { replaceOne: { filter, replacement: doc } };
  });
  // Each replace matched its user or lost to a newer stored observation.
  let matched = 0;
  for (let i = 0; i < ops.length; i += REPLACE_CHUNK) {
    matched += (await users.bulkWrite(ops.slice(i, i + REPLACE_CHUNK), { ordered: false })).matchedCount;
  }
  result.applied += matched;
  result.stale += replace.length - matched;
}

/**
 * Replacements per update command. FerretDB v1.24 (the local default) never answers an update command of 100
 * or more statements (99 return), so a page of 100 changed users would hang; real MongoDB takes any size, and
 * one command per 50 users costs it nothing measurable.
 */
export const REPLACE_CHUNK = 50;

async function writeTombstones(
  users: Collection<UserDocument>,
  absents: Absent[],
  source: WriteSource,
  now: Date,
  result: WriteResult,
): Promise<void> {
  // An existing tombstone is left alone: deletedAt records when the deletion was first seen. The upsert of an
  // unseen user keeps a tombstone too, so an older page of a backfill can never bring it back.
  const update = (obs: Absent) => ({
    $set: {
      [`${M}.observedAt`]: obs.observedAt,
      [`${M}.deleted`]: true,
      [`${M}.deletedAt`]: obs.observedAt,
      [`${M}.source`]: source,
      [`${M}.writtenAt`]: now,
    },
    $setOnInsert: { userId: obs.userId },
  });
  // One statement per tombstone (they are few): some MongoDB-wire servers stop an unordered bulk of upserts
  // at its first duplicate key, which would silently drop the tombstones after it.
  let failed = 0;
  for (const obs of absents) {
    const filter = { _id: obs.userId, [`${M}.observedAt`]: { $lt: obs.observedAt }, [`${M}.deleted`]: { $ne: true } };
    if (!(await upsertSettled(() => users.updateOne(filter, update(obs), { upsert: true })))) failed += 1;
  }
  result.tombstoned += absents.length - failed;
  result.applied += absents.length - failed;
  result.stale += failed;
}

/**
 * Runs a guarded upsert; false when the guard kept it out. A duplicate key is ambiguous: the guard failed on
 * a stored user, OR another writer inserted the user between this filter's miss and its insert. Once more
 * settles it: the user now exists, so a second duplicate key can only mean the guard failed.
 */
async function upsertSettled(run: () => Promise<unknown>): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await run();
      return true;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }
  return false;
}

/**
 * Indexes of the documents refused as duplicates (already stored: the guard's business). Anything else is
 * rethrown, so the activity retries the whole write. That includes a bulk error with no write errors at all:
 * the driver wraps a connection closed mid-command or a server it could not select that way, and reading it
 * as "nothing refused" would report unwritten users as inserted. So every document must be accounted for:
 * inserted, or refused as a duplicate.
 */
function alreadyStored(error: unknown, documents: number): number[] {
  if (!(error instanceof MongoBulkWriteError)) throw error;
  const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  if (writeErrors.length === 0 || writeErrors.some((e) => !isDuplicateKey(e))) throw error;
  if (error.insertedCount + writeErrors.length !== documents) throw error;
  return writeErrors.map((e) => e.index);
}

/** Keeps one observation per user (the newest), so one call never races against itself. */
function newestPerUser(observations: UserObservation[]): UserObservation[] {
  const byUser = new Map<string, UserObservation>();
  for (const obs of observations) {
    const current = byUser.get(userIdOf(obs));
    if (!current || obs.observedAt > current.observedAt) byUser.set(userIdOf(obs), obs);
  }
  return [...byUser.values()];
}

function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

export function userIdOf(obs: UserObservation): string {
  return obs.kind === 'snapshot' ? obs.user.userId : obs.userId;
}
