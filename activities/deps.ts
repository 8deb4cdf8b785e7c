import type { AuditApi, DescopeApi } from '../src/descope/api';
import type { MongoStore } from '../src/store/mongoStore';
import type { SyncMetrics } from '../src/metrics';
import type { RateLimitGate } from './failures';
import type { FleetBudget } from './budget';
import type { BatcherOptions } from './batcher';

export interface ActivityDeps {
  descope: DescopeApi;
  /** Descope's audit search, read by the audit feed (absent: the feed's reads fail for good). */
  audit?: AuditApi;
  store: MongoStore;
  projectId: string;
  metrics?: SyncMetrics;
  now?: () => number;
  /** How long event records are kept; 0 or absent keeps them (see pruneEventRecords). */
  eventRetentionMs?: number;
  /** How long superseded history versions are kept; 0 or absent keeps them (HISTORY_RETENTION). */
  historyRetentionMs?: number;
  /** Per-process waits after a 429, one per Descope limit (createActivities makes them). */
  gates?: { search: RateLimitGate; load: RateLimitGate };
  /** The fleet-wide Descope budget in requests per minute (the worker makes it); absent: unlimited. */
  budget?: FleetBudget;
  /** Store Descope test users that events name (scans skip them unless asked). Default false. */
  includeTestUsers?: boolean;
  /** How events' ids are coalesced into Descope requests (default: 100 ids, 500 ms linger). */
  eventBatch?: BatcherOptions;
}
