import { loadActivities } from './activityProfiles';
import { workflowInfo } from '@temporalio/workflow';
import type { ApplyEventInput } from './messages';

/**
 * One audit event: load the user it names from Descope and write that state through the ordering guard.
 * Retries ride out Descope and MongoDB failures; a non-retryable failure leaves the workflow failed in the
 * Web UI, where an operator resets or re-runs it.
 */
export async function applyAuditEvent(input: ApplyEventInput): Promise<string> {
  return loadActivities(workflowInfo().taskQueue).applyUserEvent(input);
}
