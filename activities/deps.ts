import type { DescopeApi } from '../src/descope/api';
import type { MongoStore } from '../src/store/mongoStore';
import type { SyncMetrics } from '../src/metrics';

export interface ActivityDeps {
  descope: DescopeApi;
  store: MongoStore;
  projectId: string;
  metrics?: SyncMetrics;
  now?: () => number;
}
