import { AuditLog } from './audit/auditLog';
import type { EmulatorContext } from './context';
import { RequestCounters } from './http/counters';
import { FaultInjector, NO_FAULTS, type FaultOptions } from './http/faults';
import { RateLimiter, resolveRateLimits } from './http/rateLimit';
import { Sleeper } from './http/sleeper';
import { emulatorIdentity } from './identity';
import type { EmulatorOptions } from './options';
import { createPrng } from './prng';
import { SearchCache } from './search/searchCache';
import { programmaticUsers, type EmulatorUsers } from './programmatic';
import { UserStore } from './store/userStore';
import { UserService } from './users/userService';
import { WebhookSender } from './webhook/sender';

/** 2026-01-01T00:00:00Z: seeded history ends here unless the clock is earlier. */
const SEED_END_SEC = 1_767_225_600;

export interface ResetRequest {
  seed?: number;
  userCount?: number;
  testUserCount?: number;
}

export interface BuiltEmulator {
  ctx: EmulatorContext;
  users: EmulatorUsers;
  /** Back to the starting state: reseeded users, no audit events, counters, rate-limit history or faults. */
  reset(request?: ResetRequest): number;
  faultDefaults(): FaultOptions;
}

/** Wires the pieces together and seeds the initial users; no network yet. */
export function buildEmulator(options: EmulatorOptions): BuiltEmulator {
  const now = options.now ?? Date.now;
  const identity = emulatorIdentity(options);
  const seed = options.seed ?? 1;
  const audit = new AuditLog();
  const service = new UserService({
    store: new UserStore(),
    audit,
    projectId: identity.projectId,
    now,
    prng: createPrng(seed ^ 0x5eed),
    seedEndSec: options.seedEndSec ?? Math.min(SEED_END_SEC, Math.floor(now() / 1000)),
  });
  const startFaults = { ...NO_FAULTS, ...options.faults };
  const sender = new WebhookSender(options.webhook ?? {}, now, options.logger);
  audit.subscribe((events) => sender.enqueue(events));
  const ctx: EmulatorContext = {
    ...identity,
    users: service,
    audit,
    counters: new RequestCounters(),
    limiter: new RateLimiter(resolveRateLimits(options.rateLimits), now),
    faults: new FaultInjector(startFaults),
    sender,
    now,
    maxLimit: options.maxLimit ?? 100,
    searchCache: new SearchCache(),
    userNotFoundStatus: options.userNotFoundStatus ?? 404,
    adminToken: options.adminToken,
    sleeper: new Sleeper(),
  };
  const adminActor = { actorId: identity.managementKeyId, remoteAddress: '127.0.0.1' };
  const users = programmaticUsers(service, adminActor, createPrng(seed ^ 0xad317));
  const reset = (request: ResetRequest = {}): number => {
    service.clear();
    audit.clear();
    ctx.counters.reset();
    ctx.limiter.reset();
    ctx.faults.set(startFaults);
    sender.resetStats();
    return service.seed({
      seed: request.seed ?? seed,
      count: request.userCount ?? options.userCount ?? 0,
      testCount: request.testUserCount ?? options.testUserCount ?? 0,
    });
  };
  reset();
  return { ctx, users, reset, faultDefaults: () => ({ ...startFaults }) };
}
