import { Router } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger';
import { withDeadline } from './deadline';
import { asyncHandler } from './http';
import type { EventSink } from './types';

/** Liveness, readiness and Prometheus metrics. Unauthenticated, as probes and scrapers expect; no secrets inside. */
export function opsRouter(deps: { sink: EventSink; registry: Registry; logger: Logger; timeoutMs: number }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get(
    '/readyz',
    asyncHandler(async (_req, res) => {
      const outcome = await withDeadline(() => deps.sink.ready(), deps.timeoutMs);
      if (outcome.kind === 'failed') deps.logger.warn({ err: outcome.error }, 'readiness check failed');
      const state = outcome.kind === 'done' ? outcome.value : { temporal: false, mongo: false };
      const down = (['temporal', 'mongo'] as const).filter((name) => !state[name]);
      const body = { status: down.length === 0 ? 'ready' : 'unavailable', ...state, down };
      res.status(down.length === 0 ? 200 : 503).json(body);
    }),
  );
  router.get(
    '/metrics',
    asyncHandler(async (_req, res) => {
      const text = await deps.registry.metrics();
      res.set('Content-Type', deps.registry.contentType).send(text);
    }),
  );
  return router;
}
