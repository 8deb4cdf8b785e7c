import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WriteResult, WriteSource } from './store/types';

/** The product's own meter: what the sync did, by source. Exposed on the worker's /metrics. */
export class SyncMetrics {
  readonly written: Counter<'source' | 'outcome'>;
  readonly pages: Counter<'source'>;
  readonly rateLimited: Counter<'call'>;
  readonly eventLag: Histogram<'from'>;
  readonly drift: Counter<'kind'>;
  readonly refused: Counter<'source'>;
  readonly auditFeed: { requests: Counter; records: Counter<'action'> };
  /** Where the feed's cursor is read at scrape time (the worker sets it): any worker reports the same cursor. */
  private feedCursor: (() => Promise<number | undefined>) | undefined;

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
      help: 'Users a reconciliation or sweep found missed by the webhooks, already current, or deleted.',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.refused = new Counter({
      name: 'descope_sync_store_refused_total',
      help: 'User writes the MongoDB server refused (a value it cannot hold, a document over 16 MiB), by source; see the `refused` collection and `descope-sync status`.',
      labelNames: ['source'],
      registers: [registry],
    });
    this.auditFeed = {
      requests: new Counter({
        name: 'descope_sync_audit_feed_requests_total',
        help: 'Audit search requests the audit feed sent (Descope allows 10 a minute).',
        registers: [registry],
      }),
      records: new Counter({
        name: 'descope_sync_audit_feed_records_total',
        help: 'User audit records the audit feed read, by action (records re-read in the overlap count again).',
        labelNames: ['action'],
        registers: [registry],
      }),
    };
    const cursorSeconds = async () => {
      const cursorMs = await this.feedCursor?.().catch(() => undefined);
      return cursorMs === undefined ? undefined : cursorMs / 1000;
    };
    new Gauge({
      name: 'descope_sync_audit_feed_cursor_seconds',
      help: 'The audit feed cursor (epoch seconds): every user record that occurred before it was handed over.',
      registers: [registry],
      async collect() {
        const seconds = await cursorSeconds();
        if (seconds === undefined) this.reset();
        else this.set(seconds);
      },
    });
    new Gauge({
      name: 'descope_sync_audit_feed_lag_seconds',
      help: 'How far the audit feed cursor is behind now (about AUDIT_FEED_INTERVAL when current).',
      registers: [registry],
      async collect() {
        const seconds = await cursorSeconds();
        if (seconds === undefined) this.reset();
        else this.set(Math.max(Date.now() / 1000 - seconds, 0));
      },
    });
  }

  /** Reports the audit feed's cursor, read at each scrape (from MongoDB `sync_state`). */
  watchAuditFeed(cursor: () => Promise<number | undefined>): void {
    this.feedCursor = cursor;
  }

  recordWrite(source: WriteSource, result: WriteResult): void {
    this.written.inc({ source, outcome: 'applied' }, result.applied - result.tombstoned);
    this.written.inc({ source, outcome: 'unchanged' }, result.unchanged);
    this.written.inc({ source, outcome: 'stale' }, result.stale);
    this.written.inc({ source, outcome: 'tombstoned' }, result.tombstoned);
    if (result.refused) this.refused.inc({ source }, result.refused);
    // A re-read by reconciliation or a sweep measures how far the copy had drifted: what it had to change was
    // missed by the webhooks; what was already there (or newer) was current.
    if (source === 'reconcile' || source === 'sweep') {
      this.drift.inc({ kind: 'missed' }, result.applied - result.tombstoned);
      this.drift.inc({ kind: 'current' }, result.unchanged + result.stale);
      this.drift.inc({ kind: 'deleted' }, result.tombstoned);
    }
  }
}
