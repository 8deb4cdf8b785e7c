import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { SyncMetrics } from '../metrics';
import { connectClient, connectNative, connectStore, descopeApi, type DescopeTarget } from '../runtime';
import { ensureSearchAttributes } from '../temporal/searchAttributes';
import { applySchedules } from '../temporal/schedules';
import { ensureAuditFeed } from '../temporal/auditFeed';
import { AUDIT_FEED_STATE_ID } from '../../workflows/messages';
import { createWorkers, runWorkers } from '../temporal/worker';
import { ensurePortFree, listenOn } from './listen';
import type { Config } from '../config';
import type { Logger } from '../logger';

/** The worker process: workflows, activities, the schedules (when enabled) and /metrics. */
export async function runWorker(config: Config, target: DescopeTarget, logger: Logger, signal: AbortSignal) {
  const metrics = new SyncMetrics();
  // Ports first, before any connection: a taken port stops the process at once, naming it.
  if (config.temporalMetricsPort > 0)
    await ensurePortFree('TEMPORAL_METRICS_PORT', config.temporalMetricsPort, '0.0.0.0');
  const health: WorkerHealth = { workers: [] };
  const metricsServer = config.metricsPort > 0 ? await serveMetrics(metrics, config.metricsPort, health) : undefined;
  try {
    await runWorkerWith(config, target, logger, signal, metrics, health);
  } finally {
    metricsServer?.close();
  }
}

async function runWorkerWith(
  config: Config,
  target: DescopeTarget,
  logger: Logger,
  signal: AbortSignal,
  metrics: SyncMetrics,
  health: WorkerHealth,
) {
  installRuntime(logger, config.temporalMetricsPort);
  const store = await connectStore(config);
  const native = await connectNative(config);
  const client = await connectClient(config);
  const connection = client.connection;
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
        minDelete: config.reconcile.minDelete,
        includeTestUsers: config.descope.includeTestUsers,
        searchAttributes,
      });
      logger.info(applied, 'schedules applied');
    }
    const feed = await ensureAuditFeed(client, {
      projectId: target.projectId,
      taskQueue: config.temporal.taskQueue,
      ...config.auditFeed,
      searchAttributes,
      reconcile: {
        overlapMs: config.reconcile.overlapMs,
        maxDeleteFraction: config.reconcile.maxDeleteFraction,
        minDelete: config.reconcile.minDelete,
        includeTestUsers: config.descope.includeTestUsers,
      },
    });
    logger.info(
      { feed, ...config.auditFeed },
      feed === 'off' ? 'audit feed off (AUDIT_FEED_INTERVAL=0)' : 'audit feed running',
    );
    metrics.watchAuditFeed(async () => {
      const state = await store.getState<{ cursorMs?: unknown }>(AUDIT_FEED_STATE_ID);
      return typeof state?.cursorMs === 'number' ? state.cursorMs : undefined;
    });
    const workflowBundle = prebuiltWorkflowBundle();
    logger.info(
      { workflowBundle: workflowBundle?.codePath ?? 'none: bundling workflows/ from source' },
      'workflow code',
    );
    const descope = descopeApi(config, target);
    const workers = await createWorkers({
      ...(workflowBundle && { workflowBundle }),
      connection: native,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      searchRpm: config.descope.searchRpm,
      loadRpm: config.descope.loadRpm,
      deps: {
        descope,
        audit: descope,
        store,
        projectId: target.projectId,
        metrics,
        eventRetentionMs: config.reconcile.eventRetentionMs,
        historyRetentionMs: config.reconcile.historyRetentionMs,
      },
    });
    health.workers = workers;
    logger.info(
      { taskQueue: config.temporal.taskQueue, searchRpm: config.descope.searchRpm, projectId: target.projectId },
      'worker running',
    );
    await runWorkers(workers, signal);
  } finally {
    await native.close();
    await connection.close();
    await store.close();
  }
}

/**
 * The production build (scripts/build.ts) writes the workflow bundle next to the CLI bundle, so there the worker
 * loads it and never bundles at start (no webpack run, no TypeScript sources needed). From a checkout this file
 * is src/cli/worker.ts, which has no such neighbour: the worker bundles workflows/ from source.
 */
export function prebuiltWorkflowBundle(): { codePath: string } | undefined {
  const codePath = fileURLToPath(new URL('./workflows.js', import.meta.url));
  return existsSync(codePath) ? { codePath } : undefined;
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

/** The workers once created: /healthz answers 200 only while every one of them polls. */
interface WorkerHealth {
  workers: Worker[];
}

/**
 * /metrics, and /healthz for the container's health check: 503 while connecting, draining or failed, so a
 * worker whose metrics server is up but whose pollers are not counts as unhealthy.
 */
function serveMetrics(metrics: SyncMetrics, port: number, health: WorkerHealth): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/healthz') {
      const states = health.workers.map((w) => w.getState());
      const ok = states.length > 0 && states.every((s) => s === 'RUNNING');
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok, states }));
      return;
    }
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  return listenOn(server, 'METRICS_PORT', port, '0.0.0.0');
}
