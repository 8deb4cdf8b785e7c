import { eventActivities, storeActivities } from './activityProfiles';
import { workflowInfo } from '@temporalio/workflow';
import { addCounts, describeOutcome, type OutcomeCounts } from '../src/messages';
import type { ApplyEventInput } from './messages';

/** Users per apply activity: a batch event of 5,000 users is 10 activities, each 5 Descope batch loads. */
export const USERS_PER_APPLY = 500;
/** Chunks applied at once: enough to keep the worker's batcher full, few enough that none waits long. */
const PARALLEL_CHUNKS = 4;

/**
 * One audit event: bring the users it names (one, or a batch event's thousands) to their state in Descope,
 * through the ordering guard, and record the event. The worker batches the reads of concurrent applies, so
 * the Descope budget is spent per 100 users, not per event. Retries ride out Descope and MongoDB failures; a
 * non-retryable failure leaves the workflow failed in the Web UI, where an operator resets or re-runs it.
 */
export async function applyAuditEvent(input: ApplyEventInput): Promise<string> {
  const { userIds, ...event } = input;
  const ids = [...new Set(userIds ?? (input.userId === undefined ? [] : [input.userId]))];
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += USERS_PER_APPLY) chunks.push(ids.slice(i, i + USERS_PER_APPLY));
  const apply = eventActivities(workflowInfo().taskQueue);
  if (chunks.length <= 1) {
    const counts = await apply.applyUsers({ event, userIds: chunks[0] ?? [], record: true });
    return describeOutcome(counts);
  }
  const totals: OutcomeCounts = {};
  for (let i = 0; i < chunks.length; i += PARALLEL_CHUNKS) {
    const results = await Promise.all(
      chunks.slice(i, i + PARALLEL_CHUNKS).map((chunk) => apply.applyUsers({ event, userIds: chunk, record: false })),
    );
    for (const counts of results) addCounts(totals, counts);
  }
  await storeActivities().recordAppliedEvent({ event, counts: totals });
  return describeOutcome(totals);
}
