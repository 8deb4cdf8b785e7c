import { Counter, Histogram, Registry } from 'prom-client';
import type { WriteResult, WriteSource } from './store/types';

/** The product's own meter: what the sync did, by source. Exposed on the worker's /metrics. */
export class SyncMetrics {
  readonly written: Counter<'source' | 'outcome'>;
  readonly pages: Counter<'source'>;
  readonly rateLimited: Counter<'call'>;
  readonly eventLag: Histogram<'from'>;
  readonly drift: Counter<'kind'>;

  constructor(readonly registry: Registry = new Registry()) {
    this.written = new Counter({
      name: 'descope_sync_user_writes_total',
      help: 'User observations written, by source and outcome (applied, unchanged, stale, tombstoned).',
      labelNames: ['source', 'outcome'],
      registers: [registry],
    });
    this.pages = new Counter({
      name: 'descope_sync_pages_total',
      help: 'Search pages read from Descope and written.',
      labelNames: ['source'],
      registers: [registry],
    });
    this.rateLimited = new Counter({
      name: 'descope_sync_rate_limited_total',
      help: 'Descope replies with 429, by call.',
      labelNames: ['call'],
      registers: [registry],
    });
    this.eventLag = new Histogram({
      name: 'descope_sync_event_apply_lag_seconds',
      help: 'Time from an audit event (occurred, or received by the webhook) to its MongoDB write.',
      labelNames: ['from'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    });
    this.drift = new Counter({
      name: 'descope_sync_reconcile_drift_total',
      help: 'Users a reconciliation found stale (webhooks missed them) or already current.',
      labelNames: ['kind'],
      registers: [registry],
    });
  }

  recordWrite(source: WriteSource, result: WriteResult): void {
    this.written.inc({ source, outcome: 'applied' }, result.applied - result.tombstoned);
    this.written.inc({ source, outcome: 'unchanged' }, result.unchanged);
    this.written.inc({ source, outcome: 'stale' }, result.stale);
    this.written.inc({ source, outcome: 'tombstoned' }, result.tombstoned);
  }
}
