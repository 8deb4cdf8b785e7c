import { withDescopeFailures } from './failures';
import { withHeartbeats } from './heartbeat';
import type { ActivityDeps } from './deps';
import type { ApplyEventInput } from '../workflows/messages';

export type ApplyOutcome = 'applied' | 'unchanged' | 'stale' | 'tombstoned';

/**
 * Brings one user to its current state in Descope. The event only says WHICH user changed: its payload is
 * never trusted as state, since events arrive late, duplicated and out of order. Loading the user now and
 * writing through the ordering guard makes every delivery order converge to the same result.
 */
export function applyActivities({ descope, store, metrics, gates, now = Date.now }: ActivityDeps) {
  return {
    applyUserEvent: (input: ApplyEventInput): Promise<ApplyOutcome> =>
      withHeartbeats(async () => {
        const observedAt = now();
        const user = await withDescopeFailures(
          () => descope.loadUser(input.userId),
          () => metrics?.rateLimited.inc({ call: 'load' }),
          gates?.load,
        );
        const result = await store.writeUsers(
          [user ? { kind: 'snapshot', user, observedAt } : { kind: 'absent', userId: input.userId, observedAt }],
          'event',
        );
        metrics?.recordWrite('event', result);
        const outcome: ApplyOutcome =
          result.tombstoned > 0
            ? 'tombstoned'
            : result.stale > 0
              ? 'stale'
              : result.applied > 0
                ? 'applied'
                : 'unchanged';
        const appliedAt = now();
        await store.recordEvent(
          input.eventId,
          { action: input.action, userId: input.userId, occurredAt: input.occurredMs ?? null, appliedAt, outcome },
          input.receivedMs ?? observedAt,
        );
        if (input.receivedMs) metrics?.eventLag.observe({ from: 'received' }, (appliedAt - input.receivedMs) / 1000);
        if (input.occurredMs) metrics?.eventLag.observe({ from: 'occurred' }, (appliedAt - input.occurredMs) / 1000);
        return outcome;
      }),
  };
}
