import { withDescopeFailures } from './failures';
import { withHeartbeats } from './heartbeat';
import { META } from '../src/store/types';
import type { ActivityDeps } from './deps';

export interface AbsentUser {
  userId: string;
  observedAt: number;
}

/**
 * The deletion sweep's second half. After a full scan has re-observed every user Descope returns, a stored
 * live user still observed before the sweep began was not returned: it is a candidate. Paging anomalies
 * must never delete a live user, so each candidate is confirmed absent by loading it by id.
 */
export function sweepActivities({ descope, store, metrics, gates, eventRetentionMs, now = Date.now }: ActivityDeps) {
  return {
    /** Housekeeping after a sweep: event records older than the retention (EVENTS_RETENTION) go. */
    async pruneEventRecords(): Promise<number> {
      if (!eventRetentionMs) return 0;
      return store.pruneEvents(now() - eventRetentionMs);
    },

    async listSweepCandidates(input: { sweepStartedMs: number; afterId: string | null; limit: number }) {
      const filter: Record<string, unknown> = {
        [`${META}.deleted`]: false,
        [`${META}.observedAt`]: { $lt: input.sweepStartedMs },
      };
      if (input.afterId !== null) filter._id = { $gt: input.afterId };
      const docs = await store.users
        .find(filter, { projection: { _id: 1 } })
        .sort({ _id: 1 })
        .limit(input.limit)
        .toArray();
      return docs.map((d) => d._id);
    },

    async countLiveUsers(): Promise<number> {
      return (await store.countUsers()).live;
    },

    /** Loads the candidates; writes the ones that exist (refreshing them) and returns the ones that do not. */
    confirmAbsent: (userIds: string[]): Promise<AbsentUser[]> =>
      withHeartbeats(async () => {
        const observedAt = now();
        const found = await withDescopeFailures(
          () => descope.loadUsers(userIds),
          () => metrics?.rateLimited.inc({ call: 'load' }),
          gates?.load,
        );
        const present = new Set(found.map((u) => u.userId));
        await store.writeUsers(
          found.map((user) => ({ kind: 'snapshot' as const, user, observedAt })),
          'sweep',
        );
        const absent: AbsentUser[] = [];
        // A batch load that omits an id is not proof enough: ask for that user alone.
        for (const userId of userIds.filter((id) => !present.has(id))) {
          const at = now();
          const user = await withDescopeFailures(
            () => descope.loadUser(userId),
            () => metrics?.rateLimited.inc({ call: 'load' }),
            gates?.load,
          );
          if (user) await store.writeUsers([{ kind: 'snapshot', user, observedAt: at }], 'sweep');
          else absent.push({ userId, observedAt: at });
        }
        return absent;
      }),

    async writeTombstones(users: AbsentUser[]): Promise<number> {
      const result = await store.writeUsers(
        users.map((u) => ({ kind: 'absent' as const, userId: u.userId, observedAt: u.observedAt })),
        'sweep',
      );
      metrics?.recordWrite('sweep', result);
      return result.tombstoned;
    },
  };
}
