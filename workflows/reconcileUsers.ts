import { ApplicationFailure, continueAsNew, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { loadActivities, searchActivities, storeActivities } from './activityProfiles';
import {
  RECONCILE_STATE_ID,
  pauseSignal,
  progressQuery,
  resumeSignal,
  type ReconcileInput,
  type ReconcileResult,
  type ScanCarry,
} from './messages';
import { freshCarry, pauseScan, progressOf, resumeScan, scanLoop, type ScanControl } from './scanLoop';
import { clampPageSize } from './backfillUsers';

const SWEEP_BATCH = 100;

/** Patch id: a full sweep ends by dropping event records past their retention. */
export const PRUNE_EVENTS = 'prune-events';

/**
 * The safety net. Incremental: re-reads every user modified since the watermark (minus an overlap), so its
 * cost follows the number of changes, and counts how many the webhooks had missed. Full: re-reads every
 * user, then tombstones stored users Descope no longer has, each confirmed by id, behind a mass-deletion
 * guard. The watermark moves only after every page is written.
 */
export async function reconcileUsers(input: ReconcileInput = {}): Promise<ReconcileResult> {
  const mode = input.mode ?? 'incremental';
  const store = storeActivities();
  const queue = workflowInfo().taskQueue;
  const carry = input.carry ?? (await newCarry(input, mode, store));
  carry.runs += 1;
  const control: ScanControl = { paused: false, stopRequested: false };
  setHandler(pauseSignal, () => pauseScan(control, Date.now()));
  setHandler(resumeSignal, () => resumeScan(control, carry, Date.now()));
  setHandler(progressQuery, () => progressOf(carry, control.paused ? 'paused' : 'running', Date.now(), control));

  const outcome = await scanLoop(
    carry,
    {
      pageSize: clampPageSize(input.pageSize),
      withTestUser: input.includeTestUsers ?? false,
      source: mode === 'full' ? 'sweep' : 'reconcile',
      control,
    },
    searchActivities(queue),
    async () => {},
  );
  if (outcome === 'continue') await continueAsNew<typeof reconcileUsers>({ ...input, mode, carry });

  let deleted = 0;
  let eventsPruned: number | undefined;
  if (mode === 'full') {
    deleted = await sweepDeletions(carry.startedAtMs, input, queue);
    // Since this patch a sweep also drops event records past their retention; older histories replay without.
    if (patched(PRUNE_EVENTS)) eventsPruned = await store.pruneEventRecords();
  }

  const finishedAt = new Date(Date.now());
  const drift = { current: carry.totals.unchanged + carry.totals.stale, stale: carry.totals.applied, deleted };
  const watermarkMs = input.fromMs === undefined ? carry.cursor.upperMs : null;
  const previous = await store.loadSyncState(RECONCILE_STATE_ID);
  const fields: Record<string, unknown> = {
    [`last${mode === 'full' ? 'Sweep' : 'Incremental'}`]: {
      finishedAt,
      drift,
      totals: carry.totals,
      requests: carry.requests,
      workflowId: workflowInfo().workflowId,
      ...(eventsPruned === undefined ? {} : { eventsPruned }),
    },
  };
  // Only a run over the whole window since the watermark may move it, and never backwards.
  if (watermarkMs !== null && watermarkMs > Number(previous?.watermarkMs ?? 0)) fields.watermarkMs = watermarkMs;
  await store.saveSyncState(RECONCILE_STATE_ID, fields);
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

async function newCarry(
  input: ReconcileInput,
  mode: 'incremental' | 'full',
  store: ReturnType<typeof storeActivities>,
): Promise<ScanCarry> {
  const startedAtMs = Date.now();
  let fromMs = 0;
  if (mode === 'incremental') {
    const state = await store.loadSyncState(RECONCILE_STATE_ID);
    const watermark = input.fromMs ?? (typeof state?.watermarkMs === 'number' ? state.watermarkMs : undefined);
    // No watermark yet: read everything once; afterwards each run reads only what changed.
    // Descope stamps modifiedTime in whole seconds and `from` is exclusive: start 1 ms before the second that
    // holds (watermark - overlap), or a change later in the watermark's own second would be lost.
    fromMs =
      watermark === undefined
        ? 0
        : Math.max(Math.floor((watermark - (input.overlapMs ?? 600_000)) / 1000) * 1000 - 1, 1);
  }
  return freshCarry(mode === 'full' ? 'createdTime' : 'modifiedTime', fromMs, startedAtMs, startedAtMs);
}

/** Tombstones stored users the full scan did not see and that Descope confirms absent by id. */
async function sweepDeletions(sweepStartedMs: number, input: ReconcileInput, queue: string): Promise<number> {
  const store = storeActivities();
  const load = loadActivities(queue);
  const live = await store.countLiveUsers();
  const limit = Math.floor(live * (input.maxDeleteFraction ?? 0.1));
  const guard = async (count: number, what: string) => {
    if (input.force || count <= limit) return;
    const reason = `Mass-deletion guard: ${count} ${what} of ${live} stored users exceeds the limit of ${limit}; nothing was deleted. If Descope really lost these users, run the sweep again with force.`;
    await store.saveSyncState(RECONCILE_STATE_ID, { lastSweepRefused: { at: new Date(Date.now()), reason } });
    throw ApplicationFailure.nonRetryable(reason, 'MassDeletionGuard');
  };
  const absent: { userId: string; observedAt: number }[] = [];
  let afterId: string | null = null;
  let candidates = 0;
  for (;;) {
    const ids: string[] = await store.listSweepCandidates({ sweepStartedMs, afterId, limit: SWEEP_BATCH });
    if (ids.length === 0) break;
    candidates += ids.length;
    // A scan that saw far fewer users than are stored (an outage returning empty pages) stops here,
    // before spending one load per stored user.
    await guard(candidates, 'unseen users');
    absent.push(...(await load.confirmAbsent(ids)));
    afterId = ids[ids.length - 1] ?? null;
  }
  await guard(absent.length, 'confirmed deletions');
  let tombstoned = 0;
  for (let i = 0; i < absent.length; i += 500) tombstoned += await store.writeTombstones(absent.slice(i, i + 500));
  return tombstoned;
}
