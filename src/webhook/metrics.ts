import { Counter, Histogram, type Registry } from 'prom-client';

export interface WebhookMetrics {
  requests: Counter<'route' | 'method' | 'status'>;
  latency: Histogram<'route' | 'method'>;
  /**
   * outcome: accepted (durable), duplicate (repeated within a delivery, or the whole delivery taken before),
   * ignored (action not synced) or invalid (skipped: fails validation or names another project).
   */
  events: Counter<'action' | 'outcome'>;
  /** Events by what the sink reported: taken by a new intake, or the same delivery already taken. */
  sink: Counter<'result'>;
}

/** Registers the webhook's metrics, reusing them when the registry already holds them (a second app, a test). */
export function createWebhookMetrics(registry: Registry): WebhookMetrics {
  return {
    requests: counter(registry, 'descope_webhook_http_requests_total', 'HTTP requests by route and status.', [
      'route',
      'method',
      'status',
    ]),
    latency: histogram(registry, 'descope_webhook_http_request_duration_seconds', 'HTTP request latency.', [
      'route',
      'method',
    ]),
    events: counter(registry, 'descope_webhook_events_total', 'Audit events received, by action and outcome.', [
      'action',
      'outcome',
    ]),
    sink: counter(registry, 'descope_webhook_sink_requests_total', 'Requests handed to the sink, by result.', [
      'result',
    ]),
  };
}

/** Action names come from the sender: anything not shaped like a Descope action is one label, to bound series. */
export function actionLabel(action: string): string {
  return /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(action) ? action : 'other';
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function histogram<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Histogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Histogram) return existing as Histogram<L>;
  const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  return new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}
