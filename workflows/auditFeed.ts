import {
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { storeActivities } from './activityProfiles';
import {
  AUDIT_FEED_STATE_ID,
  WORKFLOW_TYPES,
  feedProgressQuery,
  feedSettingsSignal,
  kindKey,
  pauseSignal,
  projectKey,
  resumeSignal,
  workflowIds,
  type AuditFeedProgress,
  type AuditFeedSettings,
  type ReconcileInput,
} from './messages';
import type { Activities } from '../activities';
import type { AuditPageOutput } from '../activities/auditFeed';
import type { IntakeInput } from './intakeDelivery';

/** Descope's audit search reaches 30 days back; a cursor within an hour of that falls back to reconciliation. */
export const AUDIT_RETENTION_MS = 30 * 24 * 3_600_000;
const RETENTION_MARGIN_MS = 3_600_000;
/** Records per request: Descope's maximum. */
const PAGE_SIZE = 1000;
/** Between two pages of a backlog (and between retries): 6 a minute, well inside Descope's 10. */
const PAGE_DELAY_MS = 10_000;
const POLLS_PER_RUN = 200;
/** Event ids remembered for the overlap, so a record read again starts no second intake. */
const MAX_RECENT = 5_000;

export interface AuditFeedInput extends AuditFeedSettings {
  projectId: string;
  searchAttributes: boolean;
  /** For the runs the feed starts: window events' reconciliations and the 30-day fallback's full sweep. */
  reconcile: { overlapMs: number; maxDeleteFraction: number; minDelete?: number; includeTestUsers?: boolean };
  /** Pause between backlog pages and the first retry of a failed read (default 10 s; tests shorten it). */
  pageDelayMs?: number;
  /** Records per request (default and most: Descope's 1,000; tests lower it to make a backlog). */
  pageSize?: number;
  pollsPerRun?: number;
  carry?: AuditFeedCarry;
}

export interface AuditFeedCarry {
  cursorMs: number;
  /** A window [fromMs, toMs] being read newest first, one page at a time, down to `upperMs`. */
  drain?: { fromMs: number; toMs: number; upperMs: number; page: number };
  recent: { id: string; occurredMs: number }[];
  counts: { polls: number; requests: number; records: number; events: number; intakes: number; fallbacks: number };
  lastPollMs?: number;
  paused?: boolean;
  runs: number;
}

/**
 * The audit-search feed: every `intervalMs` it reads the user records Descope's audit search has since its
 * cursor (minus `overlapMs`, for records indexed late) and hands them to an `intakeDelivery`, which starts each
 * event's `applyAuditEvent` exactly as a webhook delivery does, under the same event id: a change both the
 * webhook and the feed report is applied once. One request per poll while a poll finds under 1,000 records; a
 * backlog is read in pages of 1,000, PAGE_DELAY_MS apart. A cursor audit search no longer reaches (30 days)
 * starts a full reconciliation instead. Pause and resume like a backfill; `progress` says where it is.
 */
export async function auditFeed(input: AuditFeedInput): Promise<never> {
  const settings: AuditFeedSettings = { intervalMs: input.intervalMs, overlapMs: input.overlapMs };
  const carry = input.carry ?? (await firstCarry());
  carry.runs += 1;
  let wake = false;
  setHandler(pauseSignal, () => void (carry.paused = true));
  setHandler(resumeSignal, () => void (carry.paused = false));
  setHandler(feedSettingsSignal, (next) => {
    Object.assign(settings, next);
    wake = true;
  });
  setHandler(feedProgressQuery, () => progressOf(carry, settings));

  const delayMs = input.pageDelayMs ?? PAGE_DELAY_MS;
  const read = feedActivities(delayMs, settings.intervalMs);
  const store = storeActivities();
  for (let polls = 0; ; polls++) {
    if (polls >= (input.pollsPerRun ?? POLLS_PER_RUN) || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof auditFeed>({ ...input, ...settings, carry });
    }
    if (carry.paused) {
      await store.saveSyncState(AUDIT_FEED_STATE_ID, { ...mirror(carry, settings), state: 'paused' });
      await condition(() => !carry.paused);
    }
    const nowMs = Date.now();
    if (!carry.drain) {
      const fromMs = carry.cursorMs - settings.overlapMs;
      if (fromMs < nowMs - AUDIT_RETENTION_MS + RETENTION_MARGIN_MS) {
        await fallBack(input, carry, nowMs, store);
        continue;
      }
      carry.drain = { fromMs, toMs: nowMs, upperMs: nowMs, page: 0 };
    }
    const drain = carry.drain;
    const size = Math.min(Math.max(Math.floor(input.pageSize ?? PAGE_SIZE), 1), PAGE_SIZE);
    const page = await read.readAuditPage({ ...drain, size });
    carry.counts.requests += 1;
    carry.counts.records += page.records;
    carry.lastPollMs = Date.now();
    await handOver(input, carry, page.events, page.windows, drain);
    advance(carry, drain, page);
    forget(carry, settings.overlapMs);
    await store.saveSyncState(AUDIT_FEED_STATE_ID, mirror(carry, settings));
    wake = false;
    await condition(() => wake, carry.drain ? delayMs : settings.intervalMs);
  }
}

/**
 * The audit read: an outage is waited out, never given up on; retries stay as sparse as backlog pages (a 429
 * waits its Retry-After instead), so a failing Descope sees no more than the feed's own pace.
 */
function feedActivities(delayMs: number, intervalMs: number) {
  return proxyActivities<Activities>({
    startToCloseTimeout: '2m',
    heartbeatTimeout: '10s',
    retry: {
      initialInterval: delayMs,
      backoffCoefficient: 2,
      maximumInterval: Math.max(intervalMs, delayMs),
      nonRetryableErrorTypes: ['DescopeAuthError', 'DescopeRequestError', 'AuditFeedUnavailable'],
    },
  });
}

/**
 * After a page: a window read to its end moves the cursor to the window's end; otherwise the next page reads
 * below the oldest record seen (newest first), or, when a whole page fell in one millisecond, the next page of it.
 */
function advance(carry: AuditFeedCarry, drain: NonNullable<AuditFeedCarry['drain']>, page: AuditPageOutput) {
  if (page.complete || page.oldestMs === null) {
    carry.cursorMs = Math.max(carry.cursorMs, drain.toMs);
    carry.drain = undefined;
    carry.counts.polls += 1;
  } else if (page.oldestMs < drain.upperMs) {
    carry.drain = { ...drain, upperMs: page.oldestMs, page: 0 };
  } else {
    carry.drain = { ...drain, page: drain.page + 1 };
  }
}

/** Where a new feed starts: the cursor a previous run mirrored (it survives a terminated workflow), else now. */
async function firstCarry(): Promise<AuditFeedCarry> {
  const state = await storeActivities().loadSyncState(AUDIT_FEED_STATE_ID);
  const saved = typeof state?.cursorMs === 'number' ? state.cursorMs : undefined;
  return {
    cursorMs: saved ?? Date.now(),
    recent: [],
    counts: { polls: 0, requests: 0, records: 0, events: 0, intakes: 0, fallbacks: 0 },
    runs: 0,
  };
}

/** Starts an intake for the events not handed over yet; returns once it has started (its input is durable). */
async function handOver(
  input: AuditFeedInput,
  carry: AuditFeedCarry,
  events: IntakeInput['events'],
  windows: IntakeInput['windows'],
  drain: NonNullable<AuditFeedCarry['drain']>,
): Promise<void> {
  const known = new Set(carry.recent.map((r) => r.id));
  const fresh = events.filter((e) => !known.has(e.eventId));
  const freshWindows = windows.filter((w) => !known.has(w.eventId));
  if (fresh.length + freshWindows.length === 0) return;
  const intake: IntakeInput = {
    projectId: input.projectId,
    searchAttributes: input.searchAttributes,
    reconcile: { overlapMs: input.reconcile.overlapMs, maxDeleteFraction: input.reconcile.maxDeleteFraction },
    events: fresh,
    windows: freshWindows,
  };
  try {
    await startChild(WORKFLOW_TYPES.intake, {
      workflowId: workflowIds.intake(`feed-${drain.fromMs}-${drain.upperMs}-${drain.page}`),
      args: [intake],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      parentClosePolicy: ParentClosePolicy.ABANDON,
      cancellationType: ChildWorkflowCancellationType.ABANDON,
      ...searchAttributes(input, 'intake'),
    });
    carry.counts.intakes += 1;
  } catch (error) {
    // The same page already handed over (a feed restarted from its mirrored cursor): its events are started.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  carry.counts.events += fresh.length + freshWindows.length;
  for (const e of fresh) carry.recent.push({ id: e.eventId, occurredMs: e.occurredMs ?? drain.upperMs });
  for (const w of freshWindows) carry.recent.push({ id: w.eventId, occurredMs: w.occurredMs });
}

/**
 * Keeps the ids a later read may return again: those the next window's overlap reaches (behind where the cursor
 * will be once the current window is read), and a drain's page boundary (its next request re-reads that
 * millisecond). A backlog's other ids are never read again.
 */
function forget(carry: AuditFeedCarry, overlapMs: number): void {
  const horizon = (carry.drain?.toMs ?? carry.cursorMs) - overlapMs;
  const boundary = carry.drain?.upperMs;
  carry.recent = carry.recent.filter((r) => r.occurredMs >= horizon || r.occurredMs === boundary).slice(-MAX_RECENT);
}

/**
 * The cursor is older than audit search reaches: records were lost for good. A full reconciliation re-reads every
 * user and tombstones the ones Descope no longer has; the feed goes on from now.
 */
async function fallBack(
  input: AuditFeedInput,
  carry: AuditFeedCarry,
  nowMs: number,
  store: ReturnType<typeof storeActivities>,
): Promise<void> {
  const workflowId = workflowIds.reconcileRun(input.projectId, `feed-gap-${carry.cursorMs}`);
  const args: ReconcileInput = {
    mode: 'full',
    maxDeleteFraction: input.reconcile.maxDeleteFraction,
    ...(input.reconcile.minDelete === undefined ? {} : { minDelete: input.reconcile.minDelete }),
    ...(input.reconcile.includeTestUsers === undefined ? {} : { includeTestUsers: input.reconcile.includeTestUsers }),
  };
  log.warn('audit feed cursor is older than audit search reaches (30 days): starting a full reconciliation', {
    cursor: new Date(carry.cursorMs).toISOString(),
    workflowId,
  });
  try {
    await startChild(WORKFLOW_TYPES.reconcile, {
      workflowId,
      args: [args],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      parentClosePolicy: ParentClosePolicy.ABANDON,
      cancellationType: ChildWorkflowCancellationType.ABANDON,
      ...searchAttributes(input, 'sweep'),
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  const fallback = { at: new Date(nowMs), cursorWas: new Date(carry.cursorMs), workflowId };
  carry.cursorMs = nowMs;
  carry.recent = [];
  carry.counts.fallbacks += 1;
  await store.saveSyncState(AUDIT_FEED_STATE_ID, { ...mirrorFields(carry), lastFallback: fallback });
}

function mirror(carry: AuditFeedCarry, settings: AuditFeedSettings): Record<string, unknown> {
  return { ...mirrorFields(carry), intervalMs: settings.intervalMs, overlapMs: settings.overlapMs };
}

/** Past a window's first page: every poll reads one page, and only a backlog reads on below it. */
function catchingUp(carry: AuditFeedCarry): boolean {
  const drain = carry.drain;
  return drain !== undefined && (drain.upperMs < drain.toMs || drain.page > 0);
}

function mirrorFields(carry: AuditFeedCarry): Record<string, unknown> {
  return {
    cursorMs: carry.cursorMs,
    state: catchingUp(carry) ? 'catching-up' : 'running',
    lastPollAt: carry.lastPollMs === undefined ? null : new Date(carry.lastPollMs),
    ...carry.counts,
    workflowId: workflowInfo().workflowId,
  };
}

function progressOf(carry: AuditFeedCarry, settings: AuditFeedSettings): AuditFeedProgress {
  return {
    state: carry.paused ? 'paused' : catchingUp(carry) ? 'catching-up' : 'running',
    cursor: new Date(carry.cursorMs).toISOString(),
    lagSeconds: Math.max(Math.round((Date.now() - carry.cursorMs) / 1000), 0),
    ...settings,
    ...carry.counts,
    lastPollAt: carry.lastPollMs === undefined ? null : new Date(carry.lastPollMs).toISOString(),
    runs: carry.runs,
  };
}

function searchAttributes(input: AuditFeedInput, kind: string) {
  if (!input.searchAttributes) return {};
  return {
    typedSearchAttributes: [
      { key: kindKey, value: kind },
      { key: projectKey, value: input.projectId },
    ],
  };
}
