import type { FaultOptions } from './http/faults';
import type { RateLimitConfig } from './http/rateLimit';
import type { WebhookSenderOptions } from './webhook/options';

export interface EmulatorLogger {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
}

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Default a fixed `P2...` id, the same on every run. */
  projectId?: string;
  /** Default a fixed generated key (the emulator's key is not a secret). */
  managementKey?: string;
  /** Seed of the seeded users and of new user ids. Default 1. */
  seed?: number;
  /** Users seeded at start. Default 0. */
  userCount?: number;
  /** Test users seeded at start (hidden from searches unless asked for). Default 0. */
  testUserCount?: number;
  /** Where seeded history ends, epoch seconds. Default 2026-01-01T00:00:00Z, or now if the clock is earlier. */
  seedEndSec?: number;
  /** Search `limit` cap; larger limits are clamped silently. Default 100. */
  maxLimit?: number;
  /** HTTP status of E062108 (user not found). Default 404. */
  userNotFoundStatus?: number;
  /** Per endpoint class, or `false` for none. Default: Descope's documented limits. */
  rateLimits?: RateLimitConfig;
  faults?: Partial<FaultOptions>;
  webhook?: WebhookSenderOptions;
  /** When set, `/_emulator/*` requires it in `x-emulator-admin-token`. */
  adminToken?: string;
  /** Clock in epoch milliseconds. Default Date.now. */
  now?: () => number;
  logger?: EmulatorLogger;
}
