import { withHeartbeats } from './heartbeat';
import { activitySignal } from './budget';
import { createEventBatches } from './eventBatches';
import { describeOutcome, type OutcomeCounts, type UserOutcome } from '../src/messages';
import type { RateLimitGate } from './failures';
import type { ActivityDeps } from './deps';
import type { ApplyEventInput } from '../src/messages';

/** One chunk of one event's users. `event` carries no ids (a batch's ids travel once, in the chunks). */
export interface ApplyUsersInput {
  event: Omit<ApplyEventInput, 'userIds'>;
  userIds: string[];
  /** The event's only chunk: record the event when its users are written (saves an activity). */
  record: boolean;
}

/**
 * Brings the users an event names to their current state in Descope. The event only says WHICH users
 * changed: its payload is never trusted as state, since events arrive late, duplicated and out of order.
 * Reading the users now and writing through the ordering guard makes every delivery order converge. The
 * reads of all concurrent applies of this process are batched (eventBatches.ts); an apply waits only for
 * its own users, and stops waiting when its activity is cancelled.
 */
export function applyActivities(deps: ActivityDeps, gates: { search: RateLimitGate; load: RateLimitGate }) {
  const batches = createEventBatches(deps, gates);
  return {
    applyUsers: (input: ApplyUsersInput): Promise<OutcomeCounts> =>
      withHeartbeats(async () => {
        const outcomes = await batches.apply(input.userIds, activitySignal());
        const counts = tally(outcomes.values());
        if (input.record) await recordApplied(deps, input.event, counts);
        return counts;
      }),

    /** Records a batch event applied over several chunks, with its counts per outcome. */
    recordAppliedEvent: (input: { event: Omit<ApplyEventInput, 'userIds'>; counts: OutcomeCounts }) =>
      recordApplied(deps, input.event, input.counts),
  };
}

function tally(outcomes: Iterable<UserOutcome>): OutcomeCounts {
  const counts: OutcomeCounts = {};
  for (const outcome of outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
}

/**
 * The `events` record (received, applied, outcome), so lag from receipt and from `occurred` stays
 * measurable however events are batched. A batch event also records `users` and `counts` per outcome.
 */
async function recordApplied(deps: ActivityDeps, event: ApplyUsersInput['event'], counts: OutcomeCounts) {
  const appliedAt = (deps.now ?? Date.now)();
  const users = Object.values(counts).reduce((sum, n) => sum + (n ?? 0), 0);
  const fields = {
    action: event.action,
    userId: event.userId ?? null,
    occurredAt: event.occurredMs ?? null,
    appliedAt,
    outcome: describeOutcome(counts),
    ...(event.userId === undefined && { users, counts }),
  };
  await deps.store.recordEvent(event.eventId, fields, event.receivedMs ?? appliedAt);
  const lag = deps.metrics?.eventLag;
  if (event.receivedMs) lag?.observe({ from: 'received' }, (appliedAt - event.receivedMs) / 1000);
  if (event.occurredMs) lag?.observe({ from: 'occurred' }, (appliedAt - event.occurredMs) / 1000);
}
