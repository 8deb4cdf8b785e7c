import { sendToDescope, withStoreFailures } from './failures';
import { withHeartbeats } from './heartbeat';
import type { ActivityDeps } from './deps';
import { HISTORY_STATE_ID } from '../src/store/historyRead';
import type { DescopeUser } from '../src/store';

export interface AbsentUser {
  userId: string;
  observedAt: number;
}

/**
 * The deletion sweep's second half. After a full scan has re-observed every user Descope returns, a stored
 * live user still observed before the sweep began was not returned: it is a candidate. Paging anomalies must
 * never delete a live user, so each candidate is confirmed absent by id, in two steps of ONE request each
 * (so each task queue's rate limit stays the Descope budget): a batch load on the load queue, then one search
 * by `userIds` on the search queue for the ids the batch load omitted (Descope's batch load skips unknown ids
 * silently, so an omission alone is not proof).
 */
export function sweepActivities(deps: ActivityDeps) {
  const { store, eventRetentionMs, historyRetentionMs, now = Date.now } = deps;
  return {
    /**
     * Housekeeping after a sweep: event records older than EVENTS_RETENTION go, and so do history versions
     * that stopped being current longer ago than HISTORY_RETENTION (counted in `sync_state` `history`, so the
     * workflow and its histories keep their shape). Returns the event records dropped.
     */
    async pruneEventRecords(): Promise<number> {
      if (historyRetentionMs) await pruneHistory(deps, historyRetentionMs);
      if (!eventRetentionMs) return 0;
      return store.pruneEvents(now() - eventRetentionMs);
    },

    listSweepCandidates(input: { before: number; afterId: string | null; limit: number; includeTestUsers: boolean }) {
      return store.listSweepCandidates(input);
    },

    async countLiveUsers(): Promise<number> {
      return (await store.countUsers()).live;
    },

    confirmAbsent: (userIds: string[]) => withHeartbeats(() => confirmAbsent(deps, userIds)),
    confirmMissing: (userIds: string[]) => withHeartbeats(() => confirmMissing(deps, userIds)),
    writeTombstones: (users: AbsentUser[]) => writeTombstones(deps, users),
  };
}

/** One batch load of the candidates: writes the ones Descope returns, returns the ids it omitted. */
async function confirmAbsent(deps: ActivityDeps, userIds: string[]): Promise<string[]> {
  const { value: found, sentAt } = await sendToDescope(deps, 'load', () => deps.descope.loadUsers(userIds));
  await writeFound(deps, found, sentAt);
  const present = new Set(found.map((u) => u.userId));
  return userIds.filter((id) => !present.has(id));
}

/** One search by id (test users included) for what the batch load omitted: what it also lacks is absent. */
async function confirmMissing(deps: ActivityDeps, userIds: string[]): Promise<AbsentUser[]> {
  const request = { userIds, withTestUser: true, limit: userIds.length, page: 0 };
  const { value: page, sentAt } = await sendToDescope(deps, 'search', () => deps.descope.searchUsers(request));
  const wanted = new Set(userIds);
  const found = page.users.filter((u) => wanted.has(u.userId));
  await writeFound(deps, found, sentAt);
  const present = new Set(found.map((u) => u.userId));
  return userIds.filter((id) => !present.has(id)).map((userId) => ({ userId, observedAt: sentAt }));
}

async function writeTombstones(deps: ActivityDeps, users: AbsentUser[]): Promise<number> {
  const absent = users.map((u) => ({ kind: 'absent' as const, userId: u.userId, observedAt: u.observedAt }));
  const result = await withStoreFailures(() => deps.store.writeUsers(absent, 'sweep'));
  deps.metrics?.recordWrite('sweep', result);
  return result.tombstoned;
}

/** Stops well inside the activity's one-minute timeout; the next sweep goes on where this one stopped. */
async function pruneHistory(deps: ActivityDeps, retentionMs: number): Promise<void> {
  const now = deps.now ?? Date.now;
  const beforeMs = now() - retentionMs;
  const result = await deps.store.pruneHistory(beforeMs, Date.now() + 30_000); // a real deadline, whatever `now` says
  await deps.store.setState(HISTORY_STATE_ID, { lastPrune: { at: new Date(now()), beforeMs, ...result } });
}

async function writeFound(deps: ActivityDeps, found: DescopeUser[], observedAt: number): Promise<void> {
  if (found.length === 0) return;
  const snapshots = found.map((user) => ({ kind: 'snapshot' as const, user, observedAt }));
  const result = await withStoreFailures(() => deps.store.writeUsers(snapshots, 'sweep'));
  deps.metrics?.recordWrite('sweep', result);
}
