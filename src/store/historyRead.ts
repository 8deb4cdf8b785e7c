import type { Collection } from 'mongodb';
import { unescapeDeep } from './escapeKeys';
import { effectiveVersions, type HistoryVersion } from './history';
import type { DescopeUser, WriteSource } from './types';

/** One version of a user as readers see it: valid from `validFrom` until `validTo` (null: still current). */
export interface UserVersion {
  validFrom: number;
  validTo: number | null;
  deleted: boolean;
  source: WriteSource;
  modifiedTime: number | null;
  hash: string | null;
  /** The user exactly as Descope returned it; null for a tombstone (or a state the server refused). */
  user: DescopeUser | null;
  stateRefused?: string;
}

/** A user's history, oldest first: the stored versions folded with the write rule, `validTo` derived. */
export async function readUserHistory(history: Collection<HistoryVersion>, userId: string): Promise<UserVersion[]> {
  const stored = await history.find({ userId }).sort({ validFrom: 1 }).toArray();
  const versions = effectiveVersions(stored);
  return versions.map((v, i) => {
    const version: UserVersion = {
      validFrom: v.validFrom,
      validTo: versions[i + 1]?.validFrom ?? null,
      deleted: v.deleted,
      source: v.source,
      modifiedTime: v.modifiedTime,
      hash: v.hash,
      user: v.state === null ? null : ((v.escaped ? unescapeDeep(v.state) : v.state) as DescopeUser),
    };
    if (v.stateRefused !== undefined) version.stateRefused = v.stateRefused;
    return version;
  });
}

/** The version in force at `at` (epoch ms), or undefined before the first one. */
export function versionAt(versions: readonly UserVersion[], at: number): UserVersion | undefined {
  return versions.findLast((v) => v.validFrom <= at);
}

/**
 * HISTORY_RETENTION: drops versions that stopped being current before `beforeMs`, keeping for each user the
 * version in force at `beforeMs` (so `history --at` stays right for any time since) and everything after.
 * Reads only versions older than `beforeMs` (stamps, in user order) and deletes by `_id` in batches. Stops
 * at `deadline` (epoch ms), to stay within its activity's timeout; the next run goes on from where it stopped.
 */
export async function pruneHistory(
  history: Collection<HistoryVersion>,
  beforeMs: number,
  deadline = Infinity,
  now: () => number = Date.now,
): Promise<{ pruned: number; complete: boolean }> {
  const cursor = history
    .find(
      { validFrom: { $lt: beforeMs } },
      { projection: { userId: 1, validFrom: 1, deleted: 1, hash: 1, modifiedTime: 1 } },
    )
    .sort({ userId: 1, validFrom: 1 });
  let pruned = 0;
  let doomed: string[] = [];
  let user: Pick<HistoryVersion, '_id' | 'userId' | 'validFrom' | 'deleted' | 'hash' | 'modifiedTime'>[] = [];
  const flush = async (force: boolean) => {
    if (doomed.length === 0 || (!force && doomed.length < 500)) return;
    pruned += (await history.deleteMany({ _id: { $in: doomed } })).deletedCount;
    doomed = [];
  };
  const settleUser = () => {
    const keep = effectiveVersions(user).at(-1);
    for (const v of user) if (v !== keep) doomed.push(v._id);
    user = [];
  };
  let complete = true;
  try {
    for await (const v of cursor) {
      if (user.length > 0 && user[0]!.userId !== v.userId) {
        settleUser();
        await flush(false);
        if (now() > deadline) {
          complete = false;
          break;
        }
      }
      user.push(v);
    }
    if (complete) settleUser();
  } finally {
    await cursor.close();
  }
  await flush(true);
  return { pruned, complete };
}

/** The `sync_state` record of history housekeeping (`lastPrune`: when, the cut-off, how many went). */
export const HISTORY_STATE_ID = 'history';
