import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * Names shared by the workflows, the CLI, the webhook and the tests. Every string an operator types into the
 * Temporal Web UI (workflow types, signal and query names) is defined here once.
 */
export const WORKFLOW_TYPES = {
  backfill: 'backfillUsers',
  reconcile: 'reconcileUsers',
  applyEvent: 'applyAuditEvent',
} as const;

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const progressQuery = defineQuery<ScanProgress>('progress');

export const workflowIds = {
  backfill: (projectId: string) => `descope-backfill-${projectId}`,
  reconcileSchedule: (projectId: string) => `descope-reconcile-${projectId}`,
  sweepSchedule: (projectId: string) => `descope-sweep-${projectId}`,
  reconcileRun: (projectId: string, tag: string) => `descope-reconcile-${projectId}-${tag}`,
  event: (eventId: string) => `descope-event-${eventId}`,
};

/** Task queues. Searches and loads get their own queues so Temporal can rate-limit them for all workers. */
export const taskQueues = {
  search: (base: string) => `${base}-search`,
  load: (base: string) => `${base}-load`,
};

/** A keyset position over a Descope time field. Times in seconds, bounds in ms, as Descope's API has them. */
export interface ScanCursor {
  field: 'createdTime' | 'modifiedTime';
  /** Every user whose time field is at or before this second has been read. null: nothing read yet. */
  afterSecond: number | null;
  /** Lower bound (ms, exclusive) when afterSecond is null; 0 means none. */
  fromMs: number;
  /** Upper bound, epoch ms, inclusive. */
  upperMs: number;
  /** Offset paging inside one second that holds more users than a page (bulk imports); second null: the whole range. */
  cluster?: {
    second: number | null;
    page: number;
    total: number | null;
    restarts: number;
    /**
     * Set on every slice of a cut second but its last: the page this slice stops before, where the next slice
     * starts. A slice with it ends with its pages; the slice without it goes on past the second.
     */
    endPage?: number;
  };
  done: boolean;
}

export interface WriteTotals {
  seen: number;
  applied: number;
  unchanged: number;
  stale: number;
  tombstoned: number;
  inserted: number;
}

export interface ScanProgress {
  state: 'running' | 'paused' | 'completed' | 'cancelled' | 'failed';
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
  includeTestUsers?: boolean;
  carry?: ScanCarry;
}

export interface ReconcileResult extends ScanResult {
  mode: 'incremental' | 'full';
  /** Users that were already current (webhooks delivered them) versus stale (webhooks missed them). */
  drift: { current: number; stale: number; deleted: number };
  watermarkMs: number | null;
  /** Full mode: event records dropped for being older than the worker's EVENTS_RETENTION. */
  eventsPruned?: number;
}

export interface ApplyEventInput {
  eventId: string;
  action: string;
  userId: string;
  occurredMs?: number | null;
  receivedMs?: number;
}

export const emptyTotals = (): WriteTotals => ({
  seen: 0,
  applied: 0,
  unchanged: 0,
  stale: 0,
  tombstoned: 0,
  inserted: 0,
});

export function addTotals(a: WriteTotals, b: Partial<WriteTotals>): WriteTotals {
  return {
    seen: a.seen + (b.seen ?? 0),
    applied: a.applied + (b.applied ?? 0),
    unchanged: a.unchanged + (b.unchanged ?? 0),
    stale: a.stale + (b.stale ?? 0),
    tombstoned: a.tombstoned + (b.tombstoned ?? 0),
    inserted: a.inserted + (b.inserted ?? 0),
  };
}

/** The `sync_state` document a workflow mirrors its progress to: one per workflow id. */
export function stateId(kind: string, workflowId: string): string {
  return `${kind}:${workflowId}`;
}

/** The `sync_state` document holding the reconciliation watermark and the last runs' figures. */
export const RECONCILE_STATE_ID = 'reconcile';
