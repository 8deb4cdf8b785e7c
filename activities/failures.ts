import { ApplicationFailure } from '@temporalio/activity';
import { DescopeError, DescopeRateLimitError, NON_RETRYABLE_DESCOPE_ERRORS } from '../src/descope/errors';
import { isRefusal, reasonOf } from '../src/store/refusals';
import type { ActivityDeps } from './deps';
import type { BudgetKind } from './budget';

/**
 * Runs one Descope request and turns its failures into what Temporal should do: wait out a 429 for exactly
 * Retry-After (`nextRetryDelay` overrides the backoff), fail fast on bad credentials or a bad request, and let
 * everything else retry with the workflow's backoff.
 *
 * `fn` receives the time its request is sent (`sentAt`, from `now`), taken after any wait at the rate-limit
 * gate: an observation is stamped with it, because the write rule orders observations by that time and a read
 * that queued behind a 429 for a minute must not pass for an older one. (The Descope client sends exactly one
 * request per call: src/descope/api.ts keeps the SDK from resending.)
 */
export async function withDescopeFailures<T>(
  fn: (sentAt: number) => Promise<T>,
  onRateLimited?: () => void,
  gate?: RateLimitGate,
  now: () => number = Date.now,
): Promise<T> {
  await gate?.pass();
  try {
    return await fn(now());
  } catch (error) {
    if (error instanceof DescopeRateLimitError) {
      onRateLimited?.();
      gate?.block(error.retryAfterMs);
      throw ApplicationFailure.create({
        type: error.name,
        message: error.message,
        nextRetryDelay: error.retryAfterMs,
      });
    }
    if (error instanceof DescopeError && NON_RETRYABLE_DESCOPE_ERRORS.includes(error.name)) {
      throw ApplicationFailure.create({ type: error.name, message: error.message, nonRetryable: true });
    }
    if (error instanceof DescopeError) throw ApplicationFailure.create({ type: error.name, message: error.message });
    throw error;
  }
}

/**
 * One Descope request of `kind` as the worker sends it: through `withDescopeFailures` with the worker's 429
 * gate for that limit, its rate-limited counter and its clock. Returns the answer and when it was sent.
 */
export function sendToDescope<T>(
  deps: ActivityDeps,
  kind: BudgetKind,
  call: () => Promise<T>,
  gate: RateLimitGate | undefined = deps.gates?.[kind],
): Promise<{ value: T; sentAt: number }> {
  return withDescopeFailures(
    async (sentAt) => ({ value: await call(), sentAt }),
    () => deps.metrics?.rateLimited.inc({ call: kind }),
    gate,
    deps.now,
  );
}

/**
 * Descope blocks a project for Retry-After once it answers 429. One worker process reads several pages at
 * once (backfill lanes, event loads): after one of them is refused, the others wait out the same block here
 * instead of each drawing a 429 of its own. (Other worker processes learn of the block from their own first
 * 429; the task queue's rate limit keeps that rare.) `now` and `sleep` are injectable for tests.
 */
export class RateLimitGate {
  private blockedUntil = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  block(ms: number | undefined): void {
    if (ms !== undefined && ms > 0) this.blockedUntil = Math.max(this.blockedUntil, this.now() + ms);
  }

  async pass(): Promise<void> {
    for (let wait = this.blockedUntil - this.now(); wait > 0; wait = this.blockedUntil - this.now()) {
      await this.sleep(wait);
    }
  }
}

/**
 * Runs a MongoDB step and fails it for good when the server says the request can never succeed as it is
 * (a refused value or size that is not one user's: those are recorded per user by the write path). Transient
 * failures (network, server selection, not primary) are rethrown as they are and retried with backoff.
 */
export async function withStoreFailures<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (!isRefusal(error)) throw error;
    throw ApplicationFailure.create({ type: STORE_REFUSED, message: reasonOf(error).reason, nonRetryable: true });
  }
}

/** The failure type of a MongoDB request the server refuses for good (listed as non-retryable). */
export const STORE_REFUSED = 'StoreRefused';
