import type { Collection } from 'mongodb';
import { supersedes, type Stamp } from './order';
import { isRefusal, REFUSED_CODES, tooLarge, writeFailures, type Refusal } from './refusals';
import { toUserDocument } from './userDocument';
import { META, type UserDocument, type UserObservation, type WriteSource } from './types';
import { groupBy } from './tombstones';

/**
 * One version of a user in `user_history`: the state the copy first observed at `validFrom` (epoch ms, the
 * observation time). It is valid until the next version's `validFrom`, which readers derive (see
 * `effectiveVersions`) rather than store: versions are only ever inserted, so a late observation never
 * rewrites a stored version, retries and concurrent writers need no read-modify-write, and FerretDB v1 (which
 * scans the whole collection for every update) pays one insert per changed user.
 */
export interface HistoryVersion {
  /** `<userId>|<validFrom>|<hash or "deleted">`: the same observation written twice is one version. */
  _id: string;
  userId: string;
  validFrom: number;
  deleted: boolean;
  /** Content hash of Descope's fields (the `users` document's `_sync.hash`); null for a tombstone. */
  hash: string | null;
  modifiedTime: number | null;
  source: WriteSource;
  /** Descope's fields with keys escaped as in `users` (`escaped`); null for a tombstone. */
  state: Record<string, unknown> | null;
  escaped?: boolean;
  /** Set when the server refused to store the state itself: the version is kept, its state is not. */
  stateRefused?: string;
  recordedAt: Date;
}

export type VersionStamp = Pick<HistoryVersion, 'validFrom' | 'deleted' | 'hash' | 'modifiedTime'>;

const STAMP_FIELDS = { userId: 1, validFrom: 1, deleted: 1, hash: 1, modifiedTime: 1 } as const;

export function versionId(userId: string, v: VersionStamp): string {
  return `${userId}|${v.validFrom}|${v.deleted ? 'deleted' : v.hash}`;
}

/** Time order; at the same millisecond a deletion comes last (the write rule lets it win a tie). */
function byTime(a: VersionStamp, b: VersionStamp): number {
  return (
    a.validFrom - b.validFrom ||
    Number(a.deleted) - Number(b.deleted) ||
    (a.modifiedTime ?? -1) - (b.modifiedTime ?? -1) ||
    (a.hash ?? '').localeCompare(b.hash ?? '')
  );
}

function sameContent(a: VersionStamp, b: VersionStamp): boolean {
  return a.deleted === b.deleted && (a.deleted || a.hash === b.hash);
}

const stampOf = (v: VersionStamp): Stamp => ({
  observedAt: v.validFrom,
  modifiedTime: v.modifiedTime,
  deleted: v.deleted,
});

/**
 * The history as it reads: stored versions in time order, folded with THE write rule (order.ts). A version
 * counts when the rule would have let it replace the state before it and its content differs; otherwise it
 * is a stale read (an older `modifiedTime` observed later, by a lagging replica) or a repeat that a late,
 * older observation made redundant, and readers skip it. So the history a reader sees depends on the set of
 * observations recorded, not on the order they arrived in, and its last version is what `users` holds.
 */
export function effectiveVersions<T extends VersionStamp>(versions: readonly T[]): T[] {
  const out: T[] = [];
  for (const v of [...versions].sort(byTime)) {
    const prev = out.at(-1);
    if (prev === undefined || (!sameContent(prev, v) && supersedes(stampOf(v), stampOf(prev)))) out.push(v);
  }
  return out;
}

/** Whether `candidate` is a version of the history folded from `stored` plus it. */
export function isNewVersion(stored: readonly VersionStamp[], candidate: VersionStamp): boolean {
  return effectiveVersions([...stored, candidate]).includes(candidate);
}

/**
 * Whether to store an observation's version: when it is new (so an unchanged re-read adds nothing), and for
 * every deletion not stored yet, even one repeating the version before it. A live read skipped as a repeat
 * stays a repeat whatever arrives later (a later observation that lands between the two would carry another
 * `modifiedTime`, so one of them is stale), but a deletion skipped as a repeat would be lost if a re-creation
 * observed before it arrived later. Deletions are rare (a sweep never re-reads a tombstone), so they cost little.
 */
export function shouldRecord(
  stored: readonly (VersionStamp & { _id: string })[],
  candidate: VersionStamp & { _id: string },
): boolean {
  if (stored.some((s) => s._id === candidate._id)) return false;
  return candidate.deleted || isNewVersion(stored, candidate);
}

/** What the write path hands the history after writing `users`. */
export interface HistoryInput {
  /** Every observation of the write, and the one per user it wrote to `users` (the rule's newest). */
  observations: UserObservation[];
  latest: UserObservation[];
  /** The documents built for `latest`'s snapshots, by user id (escaped fields and `_sync.hash`). */
  docs: Map<string, UserDocument>;
  /** Users whose insert found them stored already: the rest of `docs` were stored for the first time. */
  stored: Set<string>;
  /** Users the server refused (no version), and how many observations lost to a newer stored state. */
  report: { refusals: Refusal[]; stale: number };
  source: WriteSource;
  now: Date;
}

/**
 * Appends the versions one write of `users` adds to each user's history. No Descope request and no request
 * per user: users stored for the first time need no read; for the others, one read of their version stamps
 * (no states) decides which observations are new versions, slotting a late observation into its time
 * position. Only when some observation lost to a newer stored state (`report.stale`) and a new version ended
 * up last, one read of those users' `_sync` checks it against `users`: where `users` holds another state (a
 * re-read newer than the late observation, not recorded because it repeated the version before it), that
 * state is appended at its observation time, so the history always ends where `users` does.
 */
export async function recordHistory(
  history: Collection<HistoryVersion>,
  users: Collection<UserDocument>,
  input: HistoryInput,
): Promise<void> {
  const refused = new Set(input.report.refusals.map((r) => r.userId));
  const byUser = groupBy(
    input.observations.filter((o) => !refused.has(userIdOf(o))),
    userIdOf,
  );
  const fresh = new Set(
    input.latest.filter((o) => o.kind === 'snapshot' && !input.stored.has(o.user.userId)).map(userIdOf),
  );
  const known = [...byUser.keys()].filter((id) => !fresh.has(id));
  const stamps =
    known.length === 0 ? [] : await history.find({ userId: { $in: known } }, { projection: STAMP_FIELDS }).toArray();
  const storedByUser = groupBy<VersionStamp & { _id: string; userId: string }, string>(stamps, (s) => s.userId);
  const latest = new Set(input.latest);
  const versions: HistoryVersion[] = [];
  const heads: HistoryVersion[] = [];
  for (const [userId, observations] of byUser) {
    const stored: (VersionStamp & { _id: string })[] = storedByUser.get(userId) ?? [];
    const added: HistoryVersion[] = [];
    for (const obs of observations) {
      const candidate = versionOf(obs, latest.has(obs) ? input.docs.get(userId) : undefined, input);
      if (!shouldRecord(stored, candidate)) continue;
      stored.push(candidate);
      added.push(candidate);
    }
    versions.push(...added);
    const head = effectiveVersions(stored).at(-1);
    if (!fresh.has(userId) && added.some((v) => v === head)) heads.push(head as HistoryVersion);
  }
  if (input.report.stale > 0) versions.push(...(await headsFromUsers(users, heads, input.now)));
  await insertVersions(history, versions);
}

/** The versions `users` holds that differ from the new last versions `heads` (usually none). */
async function headsFromUsers(
  users: Collection<UserDocument>,
  heads: HistoryVersion[],
  now: Date,
): Promise<HistoryVersion[]> {
  if (heads.length === 0) return [];
  const metas = await users.find({ _id: { $in: heads.map((h) => h.userId) } }, { projection: { [META]: 1 } }).toArray();
  const byId = new Map(heads.map((h) => [h.userId, h]));
  const differ = metas.filter((d) => {
    const head = byId.get(d._id)!;
    return !sameContent(head, { ...stampOfMeta(d), validFrom: 0 });
  });
  if (differ.length === 0) return [];
  const docs = await users.find({ _id: { $in: differ.map((d) => d._id) } }).toArray();
  return docs.map((doc) => versionOfDocument(doc, now)).filter((v) => byTime(v, byId.get(v.userId)!) > 0);
}

function stampOfMeta(doc: UserDocument): Omit<VersionStamp, 'validFrom'> {
  const meta = doc[META];
  return { deleted: meta.deleted, hash: meta.deleted ? null : meta.hash, modifiedTime: meta.modifiedTime };
}

/** A version from a stored `users` document, valid from its observation time (a tombstone's: when first seen gone). */
export function versionOfDocument(doc: UserDocument, now: Date): HistoryVersion {
  const meta = doc[META];
  const validFrom = meta.deleted ? (meta.deletedAt ?? meta.observedAt) : meta.observedAt;
  const stamp = { validFrom, ...stampOfMeta(doc) };
  const version: HistoryVersion = {
    _id: versionId(doc._id, stamp),
    userId: doc._id,
    ...stamp,
    source: meta.source,
    state: meta.deleted ? null : stateOf(doc),
    recordedAt: now,
  };
  if (!meta.deleted && meta.escaped) version.escaped = true;
  return version;
}

function versionOf(obs: UserObservation, latestDoc: UserDocument | undefined, input: HistoryInput): HistoryVersion {
  const userId = userIdOf(obs);
  // An older observation of the same user in the same write was not written to `users`: build its own document.
  const doc =
    obs.kind !== 'snapshot'
      ? undefined
      : (latestDoc ?? toUserDocument(obs.user, obs.observedAt, input.source, input.now));
  const stamp: VersionStamp = doc
    ? { validFrom: obs.observedAt, deleted: false, hash: doc[META].hash, modifiedTime: doc[META].modifiedTime }
    : { validFrom: obs.observedAt, deleted: true, hash: null, modifiedTime: null };
  const version: HistoryVersion = {
    _id: versionId(userId, stamp),
    userId,
    ...stamp,
    source: input.source,
    state: doc ? stateOf(doc) : null,
    recordedAt: input.now,
  };
  if (doc?.[META].escaped) version.escaped = true;
  return version;
}

function stateOf(doc: UserDocument): Record<string, unknown> {
  const { _id, [META]: meta, ...fields } = doc;
  void _id;
  void meta;
  return fields;
}

/**
 * One unordered insertMany. A version stored already (a retried write, a concurrent writer) is a duplicate
 * key and fine. A state the server refuses for good (a value it cannot hold, too large with the version's
 * fields) is stored without its state, so the timeline stays whole and the write never stalls on history.
 * Anything else is rethrown: the activity retries, and the retry inserts what is missing.
 */
async function insertVersions(history: Collection<HistoryVersion>, versions: HistoryVersion[]): Promise<void> {
  const ready = versions.map((v) => {
    const reason = tooLarge(v);
    return reason ? withoutState(v, reason) : v;
  });
  if (ready.length === 0) return;
  try {
    await history.insertMany(ready, { ordered: false });
  } catch (error) {
    if (isRefusal(error)) {
      for (const v of ready) await insertOne(history, v);
      return;
    }
    const failures = writeFailures(error);
    if (failures.length === 0) throw error;
    const retry: HistoryVersion[] = [];
    for (const f of failures) {
      const version = ready[f.index]!;
      if (f.code === 11000) continue;
      if (!REFUSED_CODES.has(f.code) || version.state === null) throw error;
      retry.push(withoutState(version, f.reason));
    }
    // FerretDB may drop a whole command over one refused document: send the others again (duplicates if not).
    const inserted = (error as { insertedCount?: number }).insertedCount ?? 0;
    if (inserted + failures.length < ready.length) {
      const failed = new Set(failures.map((f) => f.index));
      retry.push(...ready.filter((_, i) => !failed.has(i)));
    }
    if (retry.length > 0) await insertVersions(history, retry);
  }
}

async function insertOne(history: Collection<HistoryVersion>, version: HistoryVersion): Promise<void> {
  try {
    await history.insertOne(version);
  } catch (error) {
    if ((error as { code?: number }).code === 11000) return;
    if (!isRefusal(error)) throw error;
    if (version.state === null) throw error;
    await insertOne(history, withoutState(version, error instanceof Error ? error.message : String(error)));
  }
}

function withoutState(version: HistoryVersion, reason: string): HistoryVersion {
  const { escaped, ...rest } = version;
  void escaped;
  return { ...rest, state: null, stateRefused: reason.slice(0, 1000) };
}

function userIdOf(obs: UserObservation): string {
  return obs.kind === 'snapshot' ? obs.user.userId : obs.userId;
}
