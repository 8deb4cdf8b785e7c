import { ApplicationFailure } from '@temporalio/activity';
import { DescopeError, DescopeRateLimitError, NON_RETRYABLE_DESCOPE_ERRORS } from '../src/descope/errors';

/**
 * Runs a Descope-calling step and turns its failures into what Temporal should do: wait out a 429 for exactly
 * Retry-After (`nextRetryDelay` overrides the backoff), fail fast on bad credentials or a bad request, and let
 * everything else retry with the workflow's backoff.
 */
export async function withDescopeFailures<T>(
  fn: () => Promise<T>,
  onRateLimited?: () => void,
  gate?: RateLimitGate,
): Promise<T> {
  await gate?.pass();
  try {
    return await fn();
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
 * Descope blocks a project for Retry-After once it answers 429. One worker process reads several pages at
 * once (backfill lanes, event loads): after one of them is refused, the others wait out the same block here
 * instead of each drawing a 429 of its own. (Other worker processes learn of the block from their own first
 * 429; the task queue's rate limit keeps that rare.)
 */
export class RateLimitGate {
  private blockedUntil = 0;

  constructor(private readonly now: () => number = Date.now) {}

  block(ms: number | undefined): void {
    if (ms !== undefined && ms > 0) this.blockedUntil = Math.max(this.blockedUntil, this.now() + ms);
  }

  async pass(): Promise<void> {
    for (let wait = this.blockedUntil - this.now(); wait > 0; wait = this.blockedUntil - this.now()) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
