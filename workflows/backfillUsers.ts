import {
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  isCancellation,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { searchActivities, storeActivities } from './activityProfiles';
import {
  DEFAULT_LANES,
  MAX_LANES,
  RECONCILE_STATE_ID,
  pauseSignal,
  progressQuery,
  resumeSignal,
  type BackfillInput,
  type ScanCarry,
  type ScanProgress,
  type ScanResult,
  stateId,
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
  scanState,
  type ScanControl,
} from './scanControl';
import { laneScan } from './laneScan';
import { parseTime } from './time';
import type { ScanPageInput } from '../activities/scan';

/**
 * The initial load: every user created up to the moment it starts, paged by creation time over several lanes,
 * straight into MongoDB. Pausable (signals), observable (query), cancellable (pages already sent finish and
 * count), and it continues as new with its lanes so history stays small however many users there are.
 */
export async function backfillUsers(input: BackfillInput = {}): Promise<ScanResult> {
  const width = laneCount(input.lanes);
  const carry: ScanCarry = input.carry ?? newCarry(input);
  carry.runs += 1;
  const control = controlFor(carry);
  let state: ScanProgress['state'] = 'running';
  setHandler(pauseSignal, () => pauseScan(control, Date.now()));
  setHandler(resumeSignal, () => resumeScan(control, carry, Date.now()));
  setHandler(progressQuery, () => progressOf(carry, state, Date.now(), control));

  const record = statusRecord(carry, control);
  const fullRange = input.createdFrom === undefined && input.createdTo === undefined;
  if (carry.runs === 1) await record.start(fullRange);
  const search = searchActivities(workflowInfo().taskQueue);
  const options = {
    pageSize: clampPageSize(input.pageSize),
    withTestUser: input.includeTestUsers ?? false,
    source: 'backfill' as const,
    control,
    pagesPerRun: input.pagesPerRun,
    width,
    onPause: () => record.save(),
  };
  const outcome = await CancellationScope.cancellable(() =>
    laneScan(carry, options, { scanPage: (args) => search.scanPage(record.attach(args)) }, async () => record.trail()),
  ).catch((error: unknown) => record.end(error, fullRange));
  if (outcome === 'continue') {
    await record.save();
    await continueAsNew<typeof backfillUsers>({ ...input, carry: carryPause(carry, control) });
  }
  state = 'completed';
  const finishedAt = await record.complete(fullRange);
  return {
    runs: carry.runs,
    pages: carry.pages,
    requests: carry.requests,
    totals: carry.totals,
    startedAt: new Date(carry.startedAtMs).toISOString(),
    finishedAt: finishedAt.toISOString(),
  };
}

/**
 * The backfill's `sync_state` record. After each page it trails the carry; the next page's activity saves it
 * (one activity per page, not two). It describes pages already written, so saving it with a later page is safe.
 * With several pages in flight it may briefly trail the newest; a pause, continue-as-new or the end saves it.
 */
function statusRecord(carry: ScanCarry, control: ScanControl) {
  const store = storeActivities();
  const workflowId = workflowInfo().workflowId;
  const id = stateId('backfill', workflowId);
  let trailing = false;
  const fields = (extra: Record<string, unknown> = {}) => ({
    workflowId,
    state: scanState({ ...control, inFlight: 0 }, 'running'),
    ...snapshot(carry),
    ...extra,
  });
  const save = (extra?: Record<string, unknown>) => {
    trailing = false;
    return CancellationScope.nonCancellable(() => store.saveSyncState(id, fields(extra)));
  };
  return {
    save,
    trail() {
      trailing = true;
    },
    attach(args: ScanPageInput): ScanPageInput {
      if (!trailing) return args;
      trailing = false;
      return { ...args, mirror: { id, fields: fields() } };
    },
    async start(fullRange: boolean) {
      await save({ state: 'running', startedAt: new Date(carry.startedAtMs), finishedAt: null, lastError: null });
      // One full read at a time: an incremental reconciliation with no watermark yet reads from here, not from 0.
      if (fullRange) await markBackfill(carry.startedAtMs);
    },
    async complete(fullRange: boolean): Promise<Date> {
      const finishedAt = new Date(Date.now());
      await save({ state: 'completed', finishedAt });
      // A full backfill read every user as it was at or after its start: reconciliation can begin from there.
      if (fullRange) await store.raiseSyncState(RECONCILE_STATE_ID, 'watermarkMs', carry.cursor.upperMs);
      return finishedAt;
    },
    /** Records why the scan ended early, and fails (or cancels) the workflow with the same error. */
    async end(error: unknown, fullRange: boolean): Promise<never> {
      const cancelled = isCancellation(error);
      const reason = describeFailure(error);
      if (!cancelled) log.error('backfill failed', { reason });
      await save({ state: cancelled ? 'cancelled' : 'failed', finishedAt: new Date(Date.now()), lastError: reason });
      // No longer reading: the next incremental reconciliation without a watermark reads everything itself.
      if (fullRange) await markBackfill(null);
      throw error;
    },
  };

  function markBackfill(startedMs: number | null) {
    return CancellationScope.nonCancellable(() =>
      store.saveSyncState(RECONCILE_STATE_ID, { backfillStartedMs: startedMs }),
    );
  }
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
