import { createServer, type Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { SyncMetrics } from '../metrics';
import { connectStore, descopeApi, type DescopeTarget } from '../runtime';
import { ensureSearchAttributes } from '../temporal/searchAttributes';
import { applySchedules } from '../temporal/schedules';
import { createWorkers, runWorkers } from '../temporal/worker';
import type { Config } from '../config';
import type { Logger } from '../logger';

/** The worker process: workflows, activities, the schedules (when enabled) and /metrics. */
export async function runWorker(config: Config, target: DescopeTarget, logger: Logger, signal: AbortSignal) {
  installRuntime(logger, config.temporalMetricsPort);
  const store = await connectStore(config);
  const native = await NativeConnection.connect({ address: config.temporal.address });
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const metrics = new SyncMetrics();
  let metricsServer: Server | undefined;
  try {
    const searchAttributes = await ensureSearchAttributes(connection, config.temporal.namespace);
    if (config.reconcile.applySchedulesOnStart) {
      const applied = await applySchedules(client, {
        projectId: target.projectId,
        taskQueue: config.temporal.taskQueue,
        intervalMs: config.reconcile.intervalMs,
        fullSweepIntervalMs: config.reconcile.fullSweepIntervalMs,
        overlapMs: config.reconcile.overlapMs,
        maxDeleteFraction: config.reconcile.maxDeleteFraction,
        searchAttributes,
      });
      logger.info(applied, 'schedules applied');
    }
    if (config.metricsPort > 0) metricsServer = await serveMetrics(metrics, config.metricsPort, logger);
    const workers = await createWorkers({
      connection: native,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      searchRpm: config.descope.searchRpm,
      loadRpm: config.descope.loadRpm,
      deps: {
        descope: descopeApi(config, target),
        store,
        projectId: target.projectId,
        metrics,
        eventRetentionMs: config.reconcile.eventRetentionMs,
      },
    });
    logger.info(
      { taskQueue: config.temporal.taskQueue, searchRpm: config.descope.searchRpm, projectId: target.projectId },
      'worker running',
    );
    await runWorkers(workers, signal);
  } finally {
    metricsServer?.close();
    await native.close();
    await connection.close();
    await store.close();
  }
}

let runtimeInstalled = false;

/**
 * Temporal's own logs (bundler output, poller state) go through the product's logger, warnings and up. Its
 * own metrics (pollers, slots, task latencies), when asked for, are served by the SDK's native exporter on a
 * port of their own: the Runtime is process-wide and must be installed before the first connection.
 */
function installRuntime(logger: Logger, metricsPort: number) {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => logger.warn({ temporal: entry.meta }, entry.message)),
    ...(metricsPort > 0 && {
      telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${metricsPort}` } } },
    }),
  });
}

function serveMetrics(metrics: SyncMetrics, port: number, logger: Logger): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  return new Promise((resolve) => {
    server.on('error', (error) => logger.warn({ err: error.message, port }, 'metrics endpoint not started'));
    server.listen(port, '0.0.0.0', () => resolve(server));
  });
}
