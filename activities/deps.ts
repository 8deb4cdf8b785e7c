import type { DescopeApi } from '../src/descope/api';
import type { MongoStore } from '../src/store/mongoStore';
import type { SyncMetrics } from '../src/metrics';
import type { RateLimitGate } from './failures';

export interface ActivityDeps {
  descope: DescopeApi;
  store: MongoStore;
  projectId: string;
  metrics?: SyncMetrics;
  now?: () => number;
  /** How long event records are kept; 0 or absent keeps them (see pruneEventRecords). */
  eventRetentionMs?: number;
  /** Per-process waits after a 429, one per Descope limit (createActivities makes them). */
  gates?: { search: RateLimitGate; load: RateLimitGate };
}
