import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ScanCursor, WriteTotals } from '../src/messages';

export { addTotals, emptyTotals, type ApplyEventInput, type ScanCursor, type WriteTotals } from '../src/messages';

/**
 * Names shared by the workflows, the CLI, the webhook and the tests. Every string an operator types into the
 * Temporal Web UI (workflow types, signal and query names) is defined here once.
 */
export const WORKFLOW_TYPES = {
  backfill: 'backfillUsers',
  reconcile: 'reconcileUsers',
  applyEvent: 'applyAuditEvent',
  intake: 'intakeDelivery',
  auditFeed: 'auditFeed',
} as const;

/** The search attributes the product sets so the Web UI can filter its workflows (src/temporal registers them). */
export const kindKey = defineSearchAttributeKey('DescopeKind', 'KEYWORD');
export const projectKey = defineSearchAttributeKey('DescopeProjectId', 'KEYWORD');
export const userKey = defineSearchAttributeKey('DescopeUserId', 'KEYWORD');

/** Most lanes a backfill may read in parallel. */
export const MAX_LANES = 16;
/** Lanes (pages in flight) when the input names none. */
export const DEFAULT_LANES = 8;

/** How far before the watermark a reconciliation re-reads when its input names no overlap (RECONCILE_OVERLAP's default). */
export const DEFAULT_OVERLAP_MS = 600_000;

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const progressQuery = defineQuery<ScanProgress>('progress');

export const workflowIds = {
  backfill: (projectId: string) => `descope-backfill-${projectId}`,
  reconcileSchedule: (projectId: string) => `descope-reconcile-${projectId}`,
  sweepSchedule: (projectId: string) => `descope-sweep-${projectId}`,
  reconcileRun: (projectId: string, tag: string) => `descope-reconcile-${projectId}-${tag}`,
  event: (eventId: string) => `descope-event-${eventId}`,
  /** One webhook delivery: `key` derives from its event ids. */
  intake: (key: string) => `descope-intake-${key}`,
  /** The audit-search feed: one long-running workflow per project. */
  auditFeed: (projectId: string) => `descope-audit-feed-${projectId}`,
};

/** Task queues. Searches and loads get their own queues so Temporal can rate-limit them for all workers. */
export const taskQueues = {
  search: (base: string) => `${base}-search`,
  load: (base: string) => `${base}-load`,
};

export interface ScanProgress {
  /**
   * `pausing`: a pause was asked for and pages already sent to Descope are still settling (pages not yet sent
   * are withdrawn); `paused`: nothing is in flight, and nothing reaches Descope until resumed.
   */
  state: 'running' | 'pausing' | 'paused' | 'completed' | 'cancelled' | 'failed';
  pages: number;
  requests: number;
  totals: WriteTotals;
  cursor: ScanCursor;
  /** Slices of the range still being read in parallel (backfill). */
  lanes?: number;
  /** Descope's `total` for the current filter: an estimate of what is left plus what was read. */
  estimatedTotal: number | null;
  startedAt: string;
  usersPerSecond: number;
  etaSeconds: number | null;
  runs: number;
}

export interface BackfillInput {
  /** Users per search request (Descope's page limit is 100). Default 100. */
  pageSize?: number;
  /** Only users created at or after this time (epoch ms or ISO date). */
  createdFrom?: number | string;
  /** Only users created at or before this time (epoch ms or ISO date). Default: when the backfill starts. */
  createdTo?: number | string;
  /** Include Descope test users. Default false. */
  includeTestUsers?: boolean;
  /** Pages per workflow run before it continues as new (default 250). */
  pagesPerRun?: number;
  /**
   * Pages in flight at once, each over its own slice of the creation-time range (default 8, at most 16).
   * The search task queue's rate limit still caps requests; 1 reads strictly in creation order.
   */
  lanes?: number;
  /** Carried across continue-as-new; operators leave it out. */
  carry?: ScanCarry;
}

export interface ScanCarry {
  /** The whole scan: everything up to its position has been read (the lowest unfinished lane's). */
  cursor: ScanCursor;
  /** Unfinished disjoint slices of the range being read in parallel (backfill only). */
  lanes?: ScanCursor[];
  pages: number;
  requests: number;
  totals: WriteTotals;
  estimatedTotal: number | null;
  startedAtMs: number;
  /** Time spent paused since the scan started (absent before any pause): left out of its rate. */
  pausedMs?: number;
  /** Paused when the run continued as new: the next run starts paused (a pause is never lost). */
  paused?: boolean;
  /** Workflow time the pause in force began. */
  pausedSinceMs?: number;
  runs: number;
}

export interface ScanResult {
  pages: number;
  /** Workflow runs this scan took (continue-as-new starts a new run). */
  runs: number;
  requests: number;
  totals: WriteTotals;
  startedAt: string;
  finishedAt: string;
}

export interface ReconcileInput {
  /** `incremental` (default) reads users modified since the watermark; `full` also sweeps deletions. */
  mode?: 'incremental' | 'full';
  /** Let a full sweep tombstone more users than the mass-deletion guard allows. */
  force?: boolean;
  /** Read from this time (epoch ms) instead of the stored watermark (targeted reconciliation). */
  fromMs?: number;
  pageSize?: number;
  /** How far before the watermark to re-read (Descope's delay and clock skew). Default 10 minutes. */
  overlapMs?: number;
  /** The sweep refuses to tombstone more than this fraction of stored live users. Default 0.1. */
  maxDeleteFraction?: number;
  /** ...unless they are at most this many: deleting up to `minDelete` users is always allowed. Default 10. */
  minDelete?: number;
  /** Read Descope test users, and sweep stored ones (INCLUDE_TEST_USERS). Default false. */
  includeTestUsers?: boolean;
  carry?: ScanCarry;
}

export interface ReconcileResult extends ScanResult {
  mode: 'incremental' | 'full';
  /**
   * What the re-read found: users already `current` (webhooks delivered them), users the webhooks had `missed`
   * (now written), users `deleted` (tombstoned by the sweep). `stale` is the name `missed` had until 2026-12-01,
   * kept for readers of that name; write outcomes use `stale` for an observation older than the stored state.
   */
  drift: {
    current: number;
    missed: number;
    deleted: number;
    /** @deprecated the same count as `missed` */ stale: number;
  };
  watermarkMs: number | null;
  /** Full mode: event records dropped for being older than the worker's EVENTS_RETENTION. */
  eventsPruned?: number;
}

/** The `sync_state` document a workflow mirrors its progress to: one per workflow id. */
export function stateId(kind: string, workflowId: string): string {
  return `${kind}:${workflowId}`;
}

/** The `sync_state` document holding the reconciliation watermark and the last runs' figures. */
export const RECONCILE_STATE_ID = 'reconcile';

/** The `sync_state` document the audit feed mirrors its cursor and counts to (status, /metrics). */
export const AUDIT_FEED_STATE_ID = 'auditFeed';

/** What the worker may change on a running feed (AUDIT_FEED_INTERVAL, AUDIT_FEED_OVERLAP): sent as `settings`. */
export interface AuditFeedSettings {
  intervalMs: number;
  overlapMs: number;
}

export const feedSettingsSignal = defineSignal<[AuditFeedSettings]>('settings');
/** The feed answers `progress` like the backfill does, with its own shape. */
export const feedProgressQuery = defineQuery<AuditFeedProgress>('progress');

export interface AuditFeedProgress {
  /** `catching-up`: reading a backlog of more than one page (after an outage or a pause). */
  state: 'running' | 'catching-up' | 'paused';
  /** Every user record that occurred at or before this time has been handed to an event workflow. */
  cursor: string;
  lagSeconds: number;
  intervalMs: number;
  overlapMs: number;
  polls: number;
  requests: number;
  records: number;
  /** Events handed to intakes (new to the feed; the intake still skips those a webhook already started). */
  events: number;
  intakes: number;
  /** Full reconciliations started because the cursor was older than audit search reaches (30 days). */
  fallbacks: number;
  lastPollAt: string | null;
  runs: number;
}
