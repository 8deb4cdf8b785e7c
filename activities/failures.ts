import { ApplicationFailure } from '@temporalio/activity';
import { DescopeError, DescopeRateLimitError, NON_RETRYABLE_DESCOPE_ERRORS } from '../src/descope/errors';

/**
 * Runs a Descope-calling step and turns its failures into what Temporal should do: wait out a 429 for exactly
 * Retry-After (`nextRetryDelay` overrides the backoff), fail fast on bad credentials or a bad request, and let
 * everything else retry with the workflow's backoff.
 */
export async function withDescopeFailures<T>(fn: () => Promise<T>, onRateLimited?: () => void): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof DescopeRateLimitError) {
      onRateLimited?.();
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
