import { continueAsNew, log, setHandler, workflowInfo } from '@temporalio/workflow';
import { searchActivities, storeActivities } from './activityProfiles';
import {
  DEFAULT_OVERLAP_MS,
  RECONCILE_STATE_ID,
  pauseSignal,
  progressQuery,
  resumeSignal,
  type ReconcileInput,
  type ReconcileResult,
  type ScanCarry,
  type WriteTotals,
} from './messages';
import {
  carryPause,
  clampPageSize,
  controlFor,
  describeFailure,
  freshCarry,
  pauseScan,
  progressOf,
  resumeScan,
} from './scanControl';
import { laneScan } from './laneScan';
import { sweepDeletions } from './sweepDeletions';

/**
 * The safety net. Incremental: re-reads every user modified since the watermark (minus an overlap), so its
 * cost follows the number of changes, and counts how many the webhooks had missed. Full: re-reads every
 * user, then tombstones stored users Descope no longer has, each confirmed by id, behind a mass-deletion
 * guard. The watermark moves only after every page is written, and a page that fails (a short page Descope
 * keeps sending, say) fails the run: the watermark never passes a page that was not read.
 */
export async function reconcileUsers(given: ReconcileInput = {}): Promise<ReconcileResult> {
  const mode = given.mode ?? 'incremental';
  const store = storeActivities();
  const queue = workflowInfo().taskQueue;
  const { input, carry } = given.carry ? { input: given, carry: given.carry } : await firstRun(given, mode, store);
  carry.runs += 1;
  const control = controlFor(carry);
  setHandler(pauseSignal, () => pauseScan(control, Date.now()));
  setHandler(resumeSignal, () => resumeScan(control, carry, Date.now()));
  setHandler(progressQuery, () => progressOf(carry, 'running', Date.now(), control));

  const options = {
    pageSize: clampPageSize(input.pageSize),
    withTestUser: input.includeTestUsers ?? false,
    source: mode === 'full' ? ('sweep' as const) : ('reconcile' as const),
    control,
    width: 1,
  };
  const outcome = await laneScan(carry, options, searchActivities(queue), async () => {}).catch((error: unknown) => {
    log.error('reconciliation failed; the watermark stays where it was', { mode, reason: describeFailure(error) });
    throw error;
  });
  if (outcome === 'continue')
    await continueAsNew<typeof reconcileUsers>({ ...input, mode, carry: carryPause(carry, control) });

  let deleted = 0;
  let eventsPruned: number | undefined;
  if (mode === 'full') {
    deleted = await sweepDeletions(carry.startedAtMs, input, queue);
    eventsPruned = await store.pruneEventRecords();
  }

  const finishedAt = new Date(Date.now());
  const drift = driftOf(carry.totals, deleted);
  // Only a run over the whole window since the watermark may move it; the store raises it, never lowers it.
  const watermarkMs = input.fromMs === undefined ? carry.cursor.upperMs : null;
  await store.saveSyncState(RECONCILE_STATE_ID, {
    [`last${mode === 'full' ? 'Sweep' : 'Incremental'}`]: {
      finishedAt,
      drift,
      totals: carry.totals,
      requests: carry.requests,
      workflowId: workflowInfo().workflowId,
      ...(eventsPruned === undefined ? {} : { eventsPruned }),
    },
  });
  if (watermarkMs !== null) await store.raiseSyncState(RECONCILE_STATE_ID, 'watermarkMs', watermarkMs);
  return {
    mode,
    runs: carry.runs,
    pages: carry.pages,
    requests: carry.requests,
    totals: carry.totals,
    drift,
    watermarkMs,
    ...(eventsPruned === undefined ? {} : { eventsPruned }),
    startedAt: new Date(carry.startedAtMs).toISOString(),
    finishedAt: finishedAt.toISOString(),
  };
}

/**
 * Where the first run reads from. Full: everything. Incremental: since the watermark (minus the overlap).
 * With no watermark yet, while the first full backfill runs (it records its start), from that start: the
 * backfill reads everything older, so the project is not read twice at once. Such a run is a targeted one
 * (`fromMs` set, carried across continue-as-new): it leaves the watermark to the backfill, whose completion
 * sets it, so a backfill that then fails cannot leave a watermark over users nobody read.
 */
async function firstRun(
  input: ReconcileInput,
  mode: 'incremental' | 'full',
  store: ReturnType<typeof storeActivities>,
): Promise<{ input: ReconcileInput; carry: ScanCarry }> {
  const startedAtMs = Date.now();
  if (mode === 'full') return { input, carry: freshCarry('createdTime', 0, startedAtMs, startedAtMs) };
  const since = (timeMs: number) => freshCarry('modifiedTime', fromBefore(timeMs, input), startedAtMs, startedAtMs);
  if (input.fromMs !== undefined) return { input, carry: since(input.fromMs) };
  const state = await store.loadSyncState(RECONCILE_STATE_ID);
  const watermark = numberOr(state?.watermarkMs);
  if (watermark !== undefined) return { input, carry: since(watermark) };
  const backfillStart = numberOr(state?.backfillStartedMs);
  if (backfillStart !== undefined) return { input: { ...input, fromMs: backfillStart }, carry: since(backfillStart) };
  return { input, carry: freshCarry('modifiedTime', 0, startedAtMs, startedAtMs) };
}

/**
 * Descope stamps modifiedTime in whole seconds and `from` is exclusive: start 1 ms before the second that
 * holds (time - overlap), or a change later in that second would be lost.
 */
function fromBefore(timeMs: number, input: ReconcileInput): number {
  return Math.max(Math.floor((timeMs - (input.overlapMs ?? DEFAULT_OVERLAP_MS)) / 1000) * 1000 - 1, 1);
}

function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** What a run found: users the webhooks had delivered, users they had missed (now written), users deleted. */
function driftOf(totals: WriteTotals, deleted: number): ReconcileResult['drift'] {
  const missed = totals.applied;
  return { current: totals.unchanged + totals.stale, missed, deleted, stale: missed };
}
