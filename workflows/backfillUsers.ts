import {
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  isCancellation,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { searchActivities, storeActivities } from './activityProfiles';
import {
  RECONCILE_STATE_ID,
  pauseSignal,
  progressQuery,
  resumeSignal,
  type BackfillInput,
  type ScanCarry,
  type ScanResult,
  stateId,
} from './messages';
import { freshCarry, pauseScan, progressOf, resumeScan, scanLoop, type ScanControl } from './scanLoop';
import { DEFAULT_LANES, MAX_LANES, laneScan } from './laneScan';
import { parseTime } from './time';
import type { ScanPageInput } from '../activities/scan';

/**
 * The initial load: every user created up to the moment it starts, paged by creation time, straight into
 * MongoDB. Pausable (signals), observable (query), cancellable after the current page, and it continues as
 * new with its cursor so history stays small however many users there are.
 */
export async function backfillUsers(input: BackfillInput = {}): Promise<ScanResult> {
  const pageSize = clampPageSize(input.pageSize);
  const lanes = laneCount(input.lanes);
  const carry: ScanCarry = input.carry ?? newCarry(input);
  carry.runs += 1;
  const control: ScanControl = { paused: false, stopRequested: false };
  let state: 'running' | 'paused' | 'completed' | 'cancelled' = 'running';
  setHandler(pauseSignal, () => {
    pauseScan(control, Date.now());
    state = 'paused';
  });
  setHandler(resumeSignal, () => {
    resumeScan(control, carry, Date.now());
    state = 'running';
  });
  setHandler(progressQuery, () => progressOf(carry, control.paused ? 'paused' : state, Date.now(), control));

  const store = storeActivities();
  const id = stateId('backfill', workflowInfo().workflowId);
  const mirror = (fields: Record<string, unknown>) =>
    CancellationScope.nonCancellable(() =>
      store.saveSyncState(id, { workflowId: workflowInfo().workflowId, ...fields }),
    );
  if (carry.runs === 1)
    await mirror({ state: 'running', startedAt: new Date(carry.startedAtMs), finishedAt: null, lastError: null });
  // Since this patch the per-page status record rides on the next page's activity (one activity per page,
  // not two); histories recorded before it replay the old way.
  const foldMirror = patched(MIRROR_IN_SCAN_PAGE);
  let pending: Record<string, unknown> | undefined;
  // Each status record rides on one page only; with several pages in flight the record may briefly trail
  // the newest page, and the flush before continue-as-new or completion leaves it exact.
  const withPending = (args: ScanPageInput): ScanPageInput => {
    if (!pending) return args;
    const fields = { workflowId: workflowInfo().workflowId, ...pending };
    pending = undefined;
    return { ...args, mirror: { id, fields } };
  };
  const last: { fields?: Record<string, unknown> } = {};

  const options = {
    pageSize,
    withTestUser: input.includeTestUsers ?? false,
    source: 'backfill' as const,
    control,
    pagesPerRun: input.pagesPerRun,
    // A paused scan sends no page, so its status record is saved on its own.
    onPause: foldMirror
      ? async () => {
          if (last.fields) await mirror({ ...last.fields, state: 'paused' });
          pending = last.fields = undefined;
        }
      : undefined,
  };
  // The page in flight finishes even when the workflow is cancelled: "stop after the current page".
  const search = {
    scanPage: (args: ScanPageInput) =>
      CancellationScope.nonCancellable(() =>
        searchActivities(workflowInfo().taskQueue).scanPage(foldMirror ? withPending(args) : args),
      ),
  };
  const onPage = async (c: ScanCarry) => {
    const fields = { state: control.paused ? 'paused' : 'running', ...snapshot(c) };
    if (foldMirror) pending = last.fields = fields;
    else await mirror(fields);
  };
  // Since this patch pages are read over several creation-time lanes at once; histories recorded before it
  // replay the single sequential loop.
  const width = patched(BACKFILL_LANES) ? lanes : 1;

  let outcome: 'done' | 'continue' | 'stopped';
  try {
    outcome = await CancellationScope.cancellable(() =>
      width > 1 || carry.lanes
        ? laneScan(carry, { ...options, width }, search, onPage)
        : scanLoop(carry, options, search, onPage),
    );
  } catch (error) {
    if (isCancellation(error)) {
      await mirror({ state: 'cancelled', finishedAt: new Date(Date.now()), ...snapshot(carry) });
      throw error;
    }
    await mirror({
      state: 'failed',
      lastError: error instanceof Error ? error.message : String(error),
      ...snapshot(carry),
    });
    throw error;
  }
  if (outcome === 'continue') {
    if (foldMirror && last.fields) await mirror(last.fields);
    await continueAsNew<typeof backfillUsers>({ ...input, carry });
  }
  state = 'completed';
  const finishedAt = new Date(Date.now());
  await mirror({ state: 'completed', finishedAt, ...snapshot(carry) });
  // A full backfill read every user as it was at or after its start: reconciliation can begin from there
  // instead of re-reading the whole project once.
  if (input.createdFrom === undefined && input.createdTo === undefined) {
    await store.initWatermark(RECONCILE_STATE_ID, carry.cursor.upperMs);
  }
  return {
    runs: carry.runs,
    pages: carry.pages,
    requests: carry.requests,
    totals: carry.totals,
    startedAt: new Date(carry.startedAtMs).toISOString(),
    finishedAt: finishedAt.toISOString(),
  };
}

function newCarry(input: BackfillInput): ScanCarry {
  const startedAtMs = Date.now();
  const fromMs = input.createdFrom === undefined ? 0 : parseTime(input.createdFrom, 'createdFrom') - 1;
  const upperMs = input.createdTo === undefined ? startedAtMs : parseTime(input.createdTo, 'createdTo');
  return freshCarry('createdTime', fromMs, upperMs, startedAtMs);
}

function snapshot(carry: ScanCarry) {
  return {
    cursor: carry.cursor,
    lanes: carry.lanes ?? null,
    pages: carry.pages,
    requests: carry.requests,
    usersSeen: carry.totals.seen,
    usersWritten: carry.totals.applied,
    totals: carry.totals,
    estimatedTotal: carry.estimatedTotal,
  };
}

/** Patch id: pages read over several creation-time lanes at once (laneScan). */
export const BACKFILL_LANES = 'backfill-lanes';

/** The input's lanes: a whole number from 1 to MAX_LANES (a numeric string from the Web UI's form too). */
export function laneCount(lanes: number | string | undefined): number {
  if (lanes === undefined || lanes === null) return DEFAULT_LANES;
  const n = typeof lanes === 'string' && /^\d+$/.test(lanes.trim()) ? Number(lanes) : lanes;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_LANES) {
    throw ApplicationFailure.nonRetryable(
      `lanes: expected a whole number from 1 to ${MAX_LANES}, got ${JSON.stringify(lanes)}`,
      'InvalidInput',
    );
  }
  return n;
}

/** Patch id: the status record saved by the next scanPage instead of an activity of its own. */
export const MIRROR_IN_SCAN_PAGE = 'backfill-mirror-in-scan-page';

export function clampPageSize(pageSize: number | undefined): number {
  if (pageSize === undefined || !Number.isFinite(pageSize)) return 100;
  return Math.min(Math.max(Math.floor(pageSize), 1), 100);
}
