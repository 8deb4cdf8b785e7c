import express, { type Express, type Request, type RequestHandler } from 'express';
import { Registry } from 'prom-client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { acceptDelivery } from './accept';
import { createAuthenticator } from './auth';
import { finalErrorHandler, methodNotAllowed, notFound } from './errorHandler';
import { authenticate, readRawBody, requireJson } from './guards';
import { asyncHandler, securityHeaders } from './http';
import { createWebhookMetrics, type WebhookMetrics } from './metrics';
import { opsRouter } from './ops';
import type { EventSink } from './types';

export interface WebhookAppDeps {
  config: Config['webhook'];
  sink: EventSink;
  logger: Logger;
  /** Where the app's metrics are registered and what /metrics serves; a private one when omitted. */
  registry?: Registry;
  now?: () => number;
  /** The Descope project this sync serves; events that name another project are skipped and counted. */
  projectId?: string;
}

/**
 * The audit-webhook HTTP app. Does not listen: the entry point does. Throws WebhookConfigError when
 * `config.auth` is unset or a secret its mode needs is missing.
 */
export function createWebhookApp(deps: WebhookAppDeps): Express {
  const { config, sink, logger } = deps;
  const auth = createAuthenticator(config, logger);
  const registry = deps.registry ?? new Registry();
  const metrics = createWebhookMetrics(registry);
  const acceptDeps = { config, sink, logger, metrics, now: deps.now ?? Date.now, projectId: deps.projectId };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(securityHeaders, measure(metrics, config.path));
  app.use(opsRouter({ sink, registry, logger, timeoutMs: config.startTimeoutMs }));
  app.post(
    config.path,
    authenticate(auth, logger),
    requireJson,
    readRawBody(config.maxBodyBytes),
    asyncHandler((req, res) => acceptDelivery(acceptDeps, req, res)),
  );
  app.all(config.path, methodNotAllowed('POST'));
  app.use(notFound);
  app.use(finalErrorHandler(logger, config.maxBodyBytes));
  return app;
}

/** Counts and times every response under a fixed route label, so arbitrary paths cannot multiply series. */
function measure(metrics: WebhookMetrics, webhookPath: string): RequestHandler {
  const routes = new Map([
    [normalise(webhookPath), 'webhook'],
    ['/healthz', 'healthz'],
    ['/readyz', 'readyz'],
    ['/metrics', 'metrics'],
  ]);
  const routeOf = (req: Request) => routes.get(normalise(req.path)) ?? 'unmatched';
  return (req, res, next) => {
    const stop = metrics.latency.startTimer();
    res.once('finish', () => {
      const labels = { route: routeOf(req), method: req.method };
      stop(labels);
      metrics.requests.inc({ ...labels, status: String(res.statusCode) });
    });
    next();
  };
}

function normalise(path: string): string {
  return path.toLowerCase().replace(/\/+$/, '') || '/';
}
