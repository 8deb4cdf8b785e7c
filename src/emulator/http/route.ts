import express, { type Request, type Response, type Router } from 'express';
import type { EmulatorContext } from '../context';
import { isAuthorized } from './auth';
import type { EndpointName } from './counters';
import {
  badRequest,
  DescopeHttpError,
  invalidArguments,
  rateLimited,
  serverError,
  unauthorized,
} from './descopeErrors';
import type { Fault } from './faults';
import type { RateLimitClass } from './rateLimit';
import { sendNonJson } from './nonJson';
import { ZodError } from 'zod';

export interface RouteSpec {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  endpoint: EndpointName;
  rateClass?: RateLimitClass;
}

/** Returns the JSON body of a 200 reply, or throws a DescopeHttpError. */
export type Handler = (req: Request) => unknown;

/**
 * Every management route runs the same gauntlet, in the order a real deployment would: network latency, the
 * edge (injected 5xx and non-JSON replies), authentication, then the per-class rate limit. Every reply is
 * counted before it is written, so a test that has its response also sees it in the counters.
 */
export function mountRoute(router: Router, ctx: EmulatorContext, spec: RouteSpec, handler: Handler): void {
  router[spec.method](spec.path, async (req: Request, res: Response) => {
    const delay = ctx.faults.delayMs(spec.endpoint);
    if (delay > 0) await ctx.sleeper.sleep(delay);
    const fault = ctx.faults.decide(spec.endpoint);
    if (fault) return sendFault(res, ctx, spec.endpoint, fault);
    try {
      if (!isAuthorized(req.headers.authorization, ctx.projectId, ctx.managementKey)) throw unauthorized();
      const verdict = spec.rateClass ? ctx.limiter.check(spec.rateClass) : { ok: true as const };
      if (!verdict.ok) throw rateLimited(verdict.retryAfterSec);
      await parseJson(req, res);
      const body = await handler(req);
      ctx.counters.record(spec.endpoint, 200, callKind(spec.endpoint, req.body));
      res.status(200).json(body ?? {});
    } catch (error) {
      sendError(res, ctx, spec.endpoint, error);
    }
  });
}

/** A search by user ids (the event path's confirmation of absence) against every other search. */
function callKind(endpoint: EndpointName, body: unknown): string | undefined {
  if (endpoint !== 'search' || typeof body !== 'object' || body === null) return undefined;
  const ids = (body as { userIds?: unknown }).userIds;
  return Array.isArray(ids) && ids.length > 0 ? 'userIds' : undefined;
}

/**
 * The SDK sets a JSON content type only on some calls, so any body is read as JSON. Parsed here, after
 * authentication, so that a malformed body is answered (and counted) like any other bad request.
 */
const jsonParser = express.json({ limit: '50mb', type: () => true });

function parseJson(req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    jsonParser(req, res, (error?: unknown) => (error ? reject(badRequest('Malformed JSON body')) : resolve()));
  });
}

export function sendError(res: Response, ctx: EmulatorContext, endpoint: string, error: unknown): void {
  const descopeError =
    error instanceof DescopeHttpError
      ? error
      : error instanceof ZodError
        ? invalidArguments(error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '))
        : serverError(500, `Emulator failure: ${error instanceof Error ? error.message : String(error)}`);
  ctx.counters.record(endpoint, descopeError.status);
  res.status(descopeError.status).set(descopeError.headers).json(descopeError.body);
}

function sendFault(res: Response, ctx: EmulatorContext, endpoint: string, fault: Fault): void {
  if (fault.kind === 'status') return sendError(res, ctx, endpoint, serverError(fault.status));
  ctx.counters.record(endpoint, fault.variant === 'html502' ? 502 : 429);
  sendNonJson(res, fault.variant);
}
