import { describe, expect, it } from 'vitest';
import { SyncMetrics } from '../../src/metrics';

async function samples(metrics: SyncMetrics, name: string): Promise<Record<string, number>> {
  const metric = await metrics.registry.getSingleMetric(name)!.get();
  return Object.fromEntries(metric.values.map((v) => [Object.values(v.labels).join(','), v.value]));
}

describe('the product metrics', () => {
  const result = { applied: 7, unchanged: 40, stale: 3, tombstoned: 2, inserted: 1 };

  it('count a write by outcome, where stale is an observation older than the stored state', async () => {
    const metrics = new SyncMetrics();
    metrics.recordWrite('event', result);
    expect(await samples(metrics, 'descope_sync_user_writes_total')).toEqual({
      'event,applied': 5,
      'event,unchanged': 40,
      'event,stale': 3,
      'event,tombstoned': 2,
    });
    // Events are not a re-read: they measure no drift.
    expect(await samples(metrics, 'descope_sync_reconcile_drift_total')).toEqual({});
  });

  it('count what a re-read found as missed, current or deleted, and never as stale', async () => {
    const metrics = new SyncMetrics();
    metrics.recordWrite('reconcile', result);
    metrics.recordWrite('sweep', { ...result, applied: 2, tombstoned: 2, unchanged: 0, stale: 0 });
    expect(await samples(metrics, 'descope_sync_reconcile_drift_total')).toEqual({
      missed: 5,
      current: 43,
      deleted: 4,
    });
  });
});
