import { ApplicationFailure } from '@temporalio/workflow';
import { loadActivities, searchActivities, storeActivities } from './activityProfiles';
import { RECONCILE_STATE_ID, type ReconcileInput } from './messages';

/** Candidates confirmed per step: one batch load and at most one search (Descope's page limit is 100). */
const SWEEP_BATCH = 100;
/** Tombstones per store activity: a few commands each (src/store/tombstones.ts), far inside its timeout. */
const TOMBSTONE_CHUNK = 500;
/** Deleting up to this many users is always allowed (SWEEP_MIN_DELETE), so small projects can delete at all. */
export const DEFAULT_MIN_DELETE = 10;

/**
 * Tombstones stored users the full scan did not see and that Descope confirms absent by id. The guard counts
 * CONFIRMED absences (a candidate Descope still has is refreshed, not counted) against the larger of
 * `maxDeleteFraction` of the stored live users and `minDelete`, and stops as soon as the count is over it.
 * Test users are candidates only when the project syncs them (`includeTestUsers`).
 */
export async function sweepDeletions(sweepStartedMs: number, input: ReconcileInput, queue: string): Promise<number> {
  const store = storeActivities();
  const load = loadActivities(queue);
  const search = searchActivities(queue);
  const live = await store.countLiveUsers();
  const limit = Math.max(Math.floor(live * (input.maxDeleteFraction ?? 0.1)), input.minDelete ?? DEFAULT_MIN_DELETE);
  const guard = async (confirmed: number) => {
    if (input.force || confirmed <= limit) return;
    const reason = `Mass-deletion guard: ${confirmed} confirmed deletions of ${live} stored users exceed the limit of ${limit} (the larger of SWEEP_MAX_DELETE_FRACTION of stored users and SWEEP_MIN_DELETE); nothing was deleted. If Descope really lost these users, run the sweep again with force.`;
    await store.saveSyncState(RECONCILE_STATE_ID, { lastSweepRefused: { at: new Date(Date.now()), reason } });
    throw ApplicationFailure.nonRetryable(reason, 'MassDeletionGuard');
  };
  const absent: { userId: string; observedAt: number }[] = [];
  let afterId: string | null = null;
  do {
    const batch: { candidates: string[]; next: string | null } = await store.listSweepCandidates({
      before: sweepStartedMs,
      afterId,
      limit: SWEEP_BATCH,
      includeTestUsers: input.includeTestUsers ?? false,
    });
    const missing = batch.candidates.length > 0 ? await load.confirmAbsent(batch.candidates) : [];
    if (missing.length > 0) absent.push(...(await search.confirmMissing(missing)));
    await guard(absent.length);
    afterId = batch.next;
  } while (afterId !== null);
  let tombstoned = 0;
  for (let i = 0; i < absent.length; i += TOMBSTONE_CHUNK) {
    tombstoned += await store.writeTombstones(absent.slice(i, i + TOMBSTONE_CHUNK));
  }
  return tombstoned;
}
