import type { Collection } from 'mongodb';
import { insertNew, replaceGuarded, type Refused } from './bulk';
import { recordHistory, type HistoryVersion } from './history';
import { replaceableBy, supersedes, type Stamp } from './order';
import { MONGODB_LIMITS, type ServerLimits } from './serverLimits';
import { tooLarge, type Refusal } from './refusals';
import { groupBy, writeTombstones } from './tombstones';
import { toUserDocument } from './userDocument';
import { META, type UserDocument, type UserObservation, type WriteResult, type WriteSource } from './types';

export { isDuplicateKey } from './bulk';

type Snapshot = Extract<UserObservation, { kind: 'snapshot' }>;
type Absent = Extract<UserObservation, { kind: 'absent' }>;

/** What one write did, plus the users the server refused (MongoStore records them in `refused`). */
export interface WriteReport extends WriteResult {
  refused: number;
  refusals: Refusal[];
}

export interface WriteOptions {
  /** When the write happens (`writtenAt`); now by default. */
  now?: Date;
  /** Where each user's versions go (history.ts); none by default. */
  history?: Collection<HistoryVersion>;
  /** What the server can do (serverLimits.ts); MongoDB's by default. */
  limits?: ServerLimits;
}

/**
 * THE write path for user state: backfill, reconciliation, the sweep and events all land here, so the
 * ordering rule (order.ts) lives in one place. Keyed by userId; no transactions, no change streams, no
 * read-modify-write: every write is a single-document operation (or an updateMany of single-document
 * updates) whose filter carries the guard, so concurrent writers leave the newest observation stored on a
 * server that applies a filtered update atomically (MongoDB; not FerretDB v1, see the README).
 *
 * The steps are ordered for cost, which matters on servers without secondary indexes:
 * 1. one unordered insertMany: a user seen for the first time needs no guard (the common backfill case);
 *    a duplicate-key error means the user is stored already;
 * 2. one updateMany per observation time moves the observation time of users whose content has not changed;
 * 3. one read of the rest, then a guarded replace for each user the rule says is older (`replaceChunk` a
 *    command; where the server cannot use the guard in a filter cheaply, chunk by chunk: serverLimits.ts);
 * 4. tombstones: see tombstones.ts;
 * 5. with `history`, the versions this write adds to each user's history: see history.ts.
 * A user the server can never store as it is (a value it cannot hold, a document over 16 MiB) is left out
 * and reported in `refusals`; the rest of the call is written.
 */
export async function writeUserObservations(
  users: Collection<UserDocument>,
  observations: UserObservation[],
  source: WriteSource,
  options: WriteOptions = {},
): Promise<WriteReport> {
  const { now = new Date(), history, limits = MONGODB_LIMITS } = options;
  const report: WriteReport = {
    applied: 0,
    unchanged: 0,
    stale: 0,
    tombstoned: 0,
    inserted: 0,
    refused: 0,
    refusals: [],
  };
  const latest = newestPerUser(observations);
  const absents = latest.filter((o): o is Absent => o.kind === 'absent');
  const docs = new Map<string, UserDocument>();
  const snapshots: Snapshot[] = [];
  for (const obs of latest) {
    if (obs.kind !== 'snapshot') continue;
    const doc = toUserDocument(obs.user, obs.observedAt, source, now);
    const reason = tooLarge(doc);
    if (reason) {
      refuse(report, obs, { reason, code: null });
      continue;
    }
    docs.set(doc._id, doc);
    snapshots.push(obs);
  }

  const { existing, refused } = await insertNew(users, [...docs.values()]);
  report.inserted = docs.size - existing.size - refused.size;
  report.applied = report.inserted;
  refuseAll(report, snapshots, refused);
  const stored = snapshots.filter((o) => existing.has(o.user.userId));
  if (stored.length > 0) await updateExisting(users, stored, docs, source, now, limits, report);
  if (absents.length > 0) await writeTombstones(users, absents, source, now, report);
  // Each user's history (history.ts), after `users`: its last version is checked against what `users` holds.
  if (history) {
    await recordHistory(history, users, { observations, latest, docs, stored: existing, report, source, now });
  }
  return report;
}

async function updateExisting(
  users: Collection<UserDocument>,
  stored: Snapshot[],
  docs: Map<string, UserDocument>,
  source: WriteSource,
  now: Date,
  limits: ServerLimits,
  report: WriteReport,
): Promise<void> {
  const hashOf = (obs: Snapshot) => docs.get(obs.user.userId)![META].hash;
  // Same content, newer observation: only the observation time moves (one statement per observation time).
  for (const [observedAt, group] of groupBy(stored, (o) => o.observedAt)) {
    await users.updateMany(
      {
        [`${META}.observedAt`]: { $lt: observedAt },
        [`${META}.deleted`]: false,
        $or: group.map((o) => ({ _id: o.user.userId, [`${META}.hash`]: hashOf(o) })),
      },
      { $set: { [`${META}.observedAt`]: observedAt, [`${META}.source`]: source, [`${META}.writtenAt`]: now } },
    );
  }
  // One read and one guarded replace per user the rule says is older: all at once where the guard rides in
  // the filter; chunk by chunk, each read just before its replaces, where it cannot (serverLimits.ts).
  const chunk = limits.guardInFilter ? stored.length : limits.replaceChunk;
  for (let i = 0; i < stored.length; i += chunk) {
    await replaceOlder(users, stored.slice(i, i + chunk), docs, limits, report);
  }
}

async function replaceOlder(
  users: Collection<UserDocument>,
  stored: Snapshot[],
  docs: Map<string, UserDocument>,
  limits: ServerLimits,
  report: WriteReport,
): Promise<void> {
  const hashOf = (obs: Snapshot) => docs.get(obs.user.userId)![META].hash;
  const current = await users
    .find(
      { _id: { $in: stored.map((o) => o.user.userId) } },
      {
        projection: {
          [`${META}.observedAt`]: 1,
          [`${META}.hash`]: 1,
          [`${META}.deleted`]: 1,
          [`${META}.modifiedTime`]: 1,
        },
      },
    )
    .toArray();
  const byId = new Map(current.map((d) => [d._id, d[META]]));
  const replace: Snapshot[] = [];
  for (const obs of stored) {
    const meta = byId.get(obs.user.userId);
    if (!meta || supersedes(stampOf(obs), meta)) replace.push(obs);
    else if (meta.observedAt === obs.observedAt && meta.hash === hashOf(obs) && !meta.deleted) report.unchanged += 1;
    else report.stale += 1;
  }
  if (replace.length === 0) return;
  const { matched, refused } = await replaceGuarded(
    users,
    replace.map((obs) => {
      const doc = docs.get(obs.user.userId)!;
      const guard = limits.guardInFilter ? replaceableBy(stampOf(obs)) : {};
      return { userId: doc._id, op: { replaceOne: { filter: { _id: doc._id, ...guard }, replacement: doc } } };
    }),
    limits.replaceChunk,
  );
  refuseAll(report, replace, refused);
  report.applied += matched;
  report.stale += replace.length - matched - refused.size;
}

function stampOf(obs: Snapshot): Stamp {
  const modifiedTime = obs.user.modifiedTime;
  return {
    observedAt: obs.observedAt,
    modifiedTime: typeof modifiedTime === 'number' ? modifiedTime : null,
    deleted: false,
  };
}

function refuse(report: WriteReport, obs: Snapshot, why: { reason: string; code: number | null }): void {
  report.refused += 1;
  report.refusals.push({ userId: obs.user.userId, observedAt: obs.observedAt, ...why });
}

function refuseAll(report: WriteReport, observations: Snapshot[], refused: Refused): void {
  for (const obs of observations) {
    const why = refused.get(obs.user.userId);
    if (why) refuse(report, obs, why);
  }
}

/** Keeps one observation per user (the one the rule puts last), so one call never races against itself. */
function newestPerUser(observations: UserObservation[]): UserObservation[] {
  const byUser = new Map<string, UserObservation>();
  for (const obs of observations) {
    const current = byUser.get(userIdOf(obs));
    if (!current || supersedes(stamp(obs), stamp(current))) byUser.set(userIdOf(obs), obs);
  }
  return [...byUser.values()];
}

function stamp(obs: UserObservation): Stamp {
  return obs.kind === 'snapshot' ? stampOf(obs) : { observedAt: obs.observedAt, modifiedTime: null, deleted: true };
}

export function userIdOf(obs: UserObservation): string {
  return obs.kind === 'snapshot' ? obs.user.userId : obs.userId;
}
