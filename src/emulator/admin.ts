import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { EmulatorContext } from './context';
import { faultsBody, rateLimitsBody, webhookBody } from './adminSchemas';
import type { FaultOptions } from './http/faults';
import type { EmulatorUsers } from './programmatic';
import { DuplicateUserError } from './store/userStore';
import { userPatchSchema } from './users/userSchema';

export interface AdminDeps {
  ctx: EmulatorContext;
  users: EmulatorUsers;
  resetAll: (request: { seed?: number; userCount?: number; testUserCount?: number }) => number;
  faultDefaults: () => FaultOptions;
}

const count = z.number().int().nonnegative();
const seedBody = z.object({ count, seed: z.number().int().optional(), testCount: count.optional() });
const resetBody = z.object({ seed: z.number().int(), userCount: count, testUserCount: count }).partial();

/**
 * `/_emulator/...`: tests and humans steer the emulator here without Descope credentials (an admin token, when
 * configured, is required instead). Bodies are plain JSON; validation errors answer 400 with the issues.
 */
export function adminRouter(deps: AdminDeps): Router {
  const { ctx, users } = deps;
  const router = Router();
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (!ctx.adminToken || req.get('x-emulator-admin-token') === ctx.adminToken) return next();
    res.status(401).json({ error: 'x-emulator-admin-token required' });
  });

  router.get('/health', (_req, res) => {
    res.json({ ok: true, projectId: ctx.projectId, users: users.count() });
  });
  router.post('/reset', (req, res) => {
    res.json({ users: deps.resetAll(resetBody.parse(req.body ?? {})) });
  });

  router.get('/faults', (_req, res) => {
    res.json(ctx.faults.get());
  });
  router.put('/faults', (req, res) => {
    ctx.faults.set(faultsBody.parse(req.body ?? {}));
    res.json(ctx.faults.get());
  });
  router.delete('/faults', (_req, res) => {
    ctx.faults.set(deps.faultDefaults());
    res.json(ctx.faults.get());
  });

  router.get('/counters', (_req, res) => {
    res.json(ctx.counters.get());
  });
  router.delete('/counters', (_req, res) => {
    ctx.counters.reset();
    res.json({});
  });

  router.get('/rate-limits', (_req, res) => {
    res.json(ctx.limiter.current());
  });
  router.put('/rate-limits', (req, res) => {
    ctx.limiter.configure(rateLimitsBody.parse(req.body));
    res.json(ctx.limiter.current());
  });

  router.get('/users', (req, res) => {
    const offset = Math.max(0, Number(req.query.offset ?? 0) || 0);
    const limit = Math.max(0, Number(req.query.limit ?? 100) || 0);
    const { created } = ctx.users.store;
    const page = [];
    for (let i = offset; i < Math.min(created.size, offset + limit); i++) page.push(created.at(i));
    res.json({ users: page, total: users.count() });
  });
  router.get('/users/:userId', (req, res) => {
    const user = users.get(req.params.userId);
    if (user) res.json({ user });
    else res.status(404).json({ error: 'no such user' });
  });
  router.post('/users', (req, res) => {
    res.json({ user: users.create(userPatchSchema.parse(req.body ?? {})) });
  });
  router.post('/users/seed', (req, res) => {
    const body = seedBody.parse(req.body ?? {});
    res.json({ added: users.seed(body), total: users.count() });
  });
  router.patch('/users/:userId', (req, res) => {
    const user = users.update(req.params.userId, userPatchSchema.parse(req.body ?? {}));
    if (user) res.json({ user });
    else res.status(404).json({ error: 'no such user' });
  });
  router.delete('/users/:userId', (req, res) => {
    res.status(users.delete(req.params.userId) ? 200 : 404).json({});
  });

  router.get('/audit', (_req, res) => {
    res.json({ audits: ctx.audit.all() });
  });

  router.get('/webhook', (_req, res) => {
    const { auth, hmacSecret, ...options } = ctx.sender.current();
    res.json({ options: { ...options, auth: auth.type, signed: !!hmacSecret }, stats: ctx.sender.stats() });
  });
  router.put('/webhook', (req, res) => {
    ctx.sender.configure(webhookBody.parse(req.body ?? {}));
    res.json({ stats: ctx.sender.stats() });
  });
  router.post('/webhook/flush', async (_req, res) => {
    await ctx.sender.flush();
    res.json({ stats: ctx.sender.stats() });
  });

  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = error instanceof z.ZodError ? 400 : error instanceof DuplicateUserError ? 409 : 500;
    res.status(status).json({ error: error instanceof Error ? error.message : String(error) });
  });
  return router;
}
