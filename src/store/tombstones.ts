import type { Collection } from 'mongodb';
import { insertNew } from './bulk';
import { deletableBy } from './order';
import { META, type UserDocument, type UserObservation, type WriteResult, type WriteSource } from './types';

type Absent = Extract<UserObservation, { kind: 'absent' }>;

/**
 * Turns "Descope has no such user" into tombstones: the document stays, marked deleted with the time it was
 * first seen gone. A few commands per call whatever its size (a sweep sends hundreds at once, and FerretDB v1
 * spends a collection scan on every update): one read finds which users are stored; users never stored get a
 * tombstone document by one insertMany; stored users get one guarded updateMany per observation time (a
 * sweep's confirmations share a handful). A user another writer stores between the read and the insert comes
 * back as a duplicate key and joins the guarded update.
 */
export async function writeTombstones(
  users: Collection<UserDocument>,
  absents: Absent[],
  source: WriteSource,
  now: Date,
  result: WriteResult,
): Promise<void> {
  const ids = absents.map((a) => a.userId);
  const found = await users.find({ _id: { $in: ids } }, { projection: { _id: 1 }, batchSize: ids.length }).toArray();
  const stored = new Set(found.map((d) => d._id));
  const fresh = absents.filter((a) => !stored.has(a.userId));
  const { existing } = await insertNew(
    users,
    fresh.map((a) => tombstoneDocument(a, source, now)),
  );
  const inserted = fresh.length - existing.size;
  let updated = 0;
  const toUpdate = absents.filter((a) => stored.has(a.userId) || existing.has(a.userId));
  for (const [observedAt, group] of groupBy(toUpdate, (a) => a.observedAt)) {
    const { matchedCount } = await users.updateMany(
      { _id: { $in: group.map((a) => a.userId) }, ...deletableBy(observedAt) },
      {
        $set: {
          [`${META}.observedAt`]: observedAt,
          [`${META}.deleted`]: true,
          [`${META}.deletedAt`]: observedAt,
          [`${META}.source`]: source,
          [`${META}.writtenAt`]: now,
        },
      },
    );
    updated += matchedCount;
  }
  result.tombstoned += inserted + updated;
  result.applied += inserted + updated;
  result.stale += toUpdate.length - updated;
}

function tombstoneDocument(obs: Absent, source: WriteSource, now: Date): UserDocument {
  return {
    _id: obs.userId,
    userId: obs.userId,
    [META]: {
      observedAt: obs.observedAt,
      modifiedTime: null,
      deleted: true,
      deletedAt: obs.observedAt,
      source,
      hash: null,
      writtenAt: now,
    },
  };
}

export function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
