import type { AuditLog } from './audit/auditLog';
import type { Actor } from './audit/events';
import type { RequestCounters } from './http/counters';
import type { FaultInjector } from './http/faults';
import type { RateLimiter } from './http/rateLimit';
import type { Sleeper } from './http/sleeper';
import type { SearchCache } from './search/searchCache';
import type { UserService } from './users/userService';
import type { WebhookSender } from './webhook/sender';

/** Everything the HTTP layer needs, built once by `startEmulator` (or a test) and passed to the app factory. */
export interface EmulatorContext {
  projectId: string;
  managementKey: string;
  /** Audit events of management calls name this key id as their actor. */
  managementKeyId: string;
  users: UserService;
  audit: AuditLog;
  counters: RequestCounters;
  limiter: RateLimiter;
  faults: FaultInjector;
  sender: WebhookSender;
  now: () => number;
  maxLimit: number;
  searchCache: SearchCache;
  userNotFoundStatus: number;
  /** When set, the admin API requires it in `x-emulator-admin-token`. */
  adminToken: string | undefined;
  /** Injected latency waits here, so closing the emulator can cut it short. */
  sleeper: Sleeper;
}

export function apiActor(ctx: EmulatorContext, remoteAddress: string | undefined): Actor {
  return { actorId: ctx.managementKeyId, remoteAddress: remoteAddress ?? '' };
}
