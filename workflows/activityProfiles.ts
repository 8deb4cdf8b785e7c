import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { taskQueues } from './messages';

/**
 * Activity options, declared once. Searches and loads run on their own task queues, whose server-side rate
 * limit (maxTaskQueueActivitiesPerSecond) is the shared Descope budget for every worker of the project.
 * Bad credentials and bad requests fail fast; a 429 waits for Retry-After (set by the activity as
 * nextRetryDelay); everything else backs off up to a minute and keeps trying, because a sync that gives up
 * on a Descope outage only has to be restarted by hand.
 */
const retry = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '60s',
  nonRetryableErrorTypes: ['DescopeAuthError', 'DescopeRequestError'],
};

export function searchActivities(baseQueue: string) {
  return proxyActivities<Activities>({
    taskQueue: taskQueues.search(baseQueue),
    startToCloseTimeout: '2m',
    // The activity heartbeats while it works: a dead worker's page is retried within seconds.
    heartbeatTimeout: '10s',
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

export function storeActivities() {
  return proxyActivities<Activities>({ startToCloseTimeout: '1m', retry });
}
