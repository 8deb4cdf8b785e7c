import { Batcher, type BatcherOptions } from './batcher';
import { sendToDescope, type RateLimitGate } from './failures';
import type { BudgetKind } from './budget';
import { contentHash, META, type DescopeUser, type UserObservation, type WriteResult } from '../src/store';
import type { ActivityDeps } from './deps';
import type { UserOutcome } from '../src/messages';

type LoadAnswer = UserOutcome | 'missing';

export const DEFAULT_EVENT_BATCH: BatcherOptions = { maxBatch: 100, lingerMs: 500 };

/**
 * The event path's reads and writes, shared by every apply activity of this worker process. Ids wait in a
 * batcher and go to Descope 100 per request: first a batch load (`POST /v1/mgmt/users/load`), then, for the
 * ids the load left out, ONE search by `userIds` (test users included): a user neither returns is absent, and
 * is tombstoned. Each request takes a slot of the fleet budget first and stamps its observations with the
 * time it was sent; each request's users go to MongoDB in one bulk write through the one write path.
 */
export function createEventBatches(deps: ActivityDeps, gates: Record<BudgetKind, RateLimitGate>) {
  const { descope, budget } = deps;
  const options = deps.eventBatch ?? DEFAULT_EVENT_BATCH;
  // One bulk write at a time per process: on FerretDB two concurrent writes of 100 changed users took 21 s
  // where one took 4 s; on MongoDB it costs nothing, the next request is read meanwhile.
  const write = serially((observations: UserObservation[]) => writeObserved(deps, observations));

  const send = async <T>(kind: BudgetKind, call: () => Promise<T>) => {
    await gates[kind].pass();
    await budget?.take(kind);
    return sendToDescope(deps, kind, call, gates[kind]);
  };

  const loads = new Batcher<LoadAnswer>(async (ids) => {
    const { value, sentAt } = await send('load', () => descope.loadUsers(ids));
    const found = value.filter((user) => ids.includes(user.userId));
    const written = await write(found.map(snapshotAt(sentAt)));
    return new Map(ids.map((id) => [id, written.get(id) ?? 'missing']));
  }, options);

  const confirms = new Batcher<UserOutcome>(async (ids) => {
    const { value, sentAt } = await send('search', () =>
      descope.searchUsers({ userIds: ids, withTestUser: true, limit: ids.length, page: 0 }),
    );
    const present = new Set(value.users.map((user) => user.userId));
    const observations: UserObservation[] = [
      ...value.users.filter((user) => ids.includes(user.userId)).map(snapshotAt(sentAt)),
      ...ids
        .filter((id) => !present.has(id))
        .map((userId) => ({ kind: 'absent' as const, userId, observedAt: sentAt })),
    ];
    return write(observations);
  }, options);

  return {
    /** Brings every id to its current state in Descope; what the write did to each. */
    async apply(userIds: string[], signal?: AbortSignal): Promise<Map<string, UserOutcome>> {
      const loaded = await loads.request(userIds, signal);
      const missing = userIds.filter((id) => loaded.get(id) === 'missing');
      const confirmed = missing.length > 0 ? await confirms.request(missing, signal) : new Map<string, UserOutcome>();
      return new Map(userIds.map((id) => [id, confirmed.get(id) ?? (loaded.get(id) as UserOutcome)]));
    },
  };
}

/** Runs `fn` for one call at a time, in call order. */
function serially<A, T>(fn: (arg: A) => Promise<T>): (arg: A) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return (arg) => {
    const run = last.then(() => fn(arg));
    last = run.catch(() => {});
    return run;
  };
}

const snapshotAt =
  (observedAt: number) =>
  (user: DescopeUser): UserObservation => ({ kind: 'snapshot', user, observedAt });

/**
 * Writes the observations in one call of the write path and says what it did to each user. The write path
 * reports totals only: when they name one outcome for every user (a batch of new users, a batch of changes)
 * that is each user's; otherwise each user's stored state is read back: a user holding this observation was
 * written, any other is stale. (Written users are `applied`, or `unchanged` when the totals count no change:
 * the two are told apart only by the totals.) Test users are not stored unless the worker is told to
 * include them: scans skip them too, so the copy stays one population.
 */
async function writeObserved(deps: ActivityDeps, observations: UserObservation[]): Promise<Map<string, UserOutcome>> {
  const outcomes = new Map<string, UserOutcome>();
  const kept = observations.filter((obs) => {
    const skip = obs.kind === 'snapshot' && obs.user.test === true && !deps.includeTestUsers;
    if (skip) outcomes.set(obs.user.userId, 'skipped');
    return !skip;
  });
  if (kept.length === 0) return outcomes;
  const result = await deps.store.writeUsers(kept, 'event');
  deps.metrics?.recordWrite('event', result);
  const uniform = uniformOutcome(result, kept.length);
  if (uniform) {
    for (const obs of kept) outcomes.set(idOf(obs), uniform);
    return outcomes;
  }
  const after = await deps.store.users
    .find(
      { _id: { $in: kept.map(idOf) } },
      {
        projection: {
          [`${META}.observedAt`]: 1,
          [`${META}.hash`]: 1,
          [`${META}.deleted`]: 1,
          [`${META}.deletedAt`]: 1,
        },
      },
    )
    .toArray();
  const stored = new Map(after.map((doc) => [doc._id, doc[META]]));
  const written: UserOutcome = result.applied - result.tombstoned > 0 ? 'applied' : 'unchanged';
  for (const obs of kept) outcomes.set(idOf(obs), outcomeAfter(obs, stored.get(idOf(obs)), written));
  return outcomes;
}

/** The one outcome every user of a write had, when its totals say so. */
export function uniformOutcome(result: WriteResult, users: number): UserOutcome | undefined {
  if (result.tombstoned === users) return 'tombstoned';
  if (result.applied === users && result.tombstoned === 0) return 'applied';
  if (result.unchanged === users) return 'unchanged';
  if (result.stale === users) return 'stale';
  return undefined;
}

export interface StoredMeta {
  observedAt: number;
  hash: string | null;
  deleted: boolean;
  deletedAt: number | null;
}

/** What the write did to one user, read off the state it left (see src/store/writeUsers.ts for the rule). */
export function outcomeAfter(obs: UserObservation, stored: StoredMeta | undefined, written: UserOutcome): UserOutcome {
  if (!stored || stored.observedAt !== obs.observedAt) return 'stale';
  if (obs.kind === 'absent') return stored.deleted && stored.deletedAt === obs.observedAt ? 'tombstoned' : 'stale';
  return !stored.deleted && stored.hash === contentHash(obs.user) ? written : 'stale';
}

function idOf(obs: UserObservation): string {
  return obs.kind === 'snapshot' ? obs.user.userId : obs.userId;
}
