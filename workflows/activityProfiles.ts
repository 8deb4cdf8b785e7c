import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { taskQueues } from './messages';

/**
 * Activity options, declared once. Searches and loads run on their own task queues. Every Descope request
 * takes a slot of the fleet-wide budget in MongoDB (activities/budget.ts); the search queue's server-side rate
 * limit also paces the scans' pages, while the load queue has none (an event apply is not one request).
 * Bad credentials and bad requests fail fast; a 429 waits for Retry-After (set by the activity as
 * nextRetryDelay); everything else backs off up to a minute and keeps trying, because a sync that gives up
 * on a Descope outage only has to be restarted by hand.
 */
const retry = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '60s',
  // StoreRefused: MongoDB refused a request for good (activities/failures.ts withStoreFailures). A single
  // user the server refuses is recorded and skipped by the write path instead, so it never fails a page.
  nonRetryableErrorTypes: ['DescopeAuthError', 'DescopeRequestError', 'StoreRefused'],
};

export function searchActivities(baseQueue: string) {
  return proxyActivities<Activities>({
    taskQueue: taskQueues.search(baseQueue),
    startToCloseTimeout: '2m',
    // The activity heartbeats while it works: a dead worker's page is retried within seconds.
    heartbeatTimeout: '10s',
    // A withdrawn page (pause, cancel) settles only when the server says how it ended: a page no worker had
    // started is cancelled at once, and one whose request was already sent completes and returns its result,
    // so the scan counts it exactly once (TRY_CANCEL would drop that result and read the page twice).
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry,
  });
}

export function loadActivities(baseQueue: string) {
  return proxyActivities<Activities>({
    taskQueue: taskQueues.load(baseQueue),
    startToCloseTimeout: '2m',
    heartbeatTimeout: '10s',
    retry,
  });
}

/**
 * Event applies run on the load queue, which has no server-side rate limit any more: an apply waits in the
 * worker's batcher with others, and the batcher takes one slot of the fleet budget per Descope REQUEST
 * (activities/budget.ts). The apply heartbeats while it waits, and stops waiting when cancelled.
 */
export function eventActivities(baseQueue: string) {
  return proxyActivities<Activities>({
    taskQueue: taskQueues.load(baseQueue),
    startToCloseTimeout: '5m',
    // Hundreds of applies may wait at once; the SDK sends a heartbeat at most every 0.8 x this timeout, so a
    // longer one keeps their heartbeats from loading the Temporal server (a dead worker costs 30 s, not 10).
    heartbeatTimeout: '30s',
    retry,
  });
}

export function storeActivities() {
  return proxyActivities<Activities>({ startToCloseTimeout: '1m', retry });
}
