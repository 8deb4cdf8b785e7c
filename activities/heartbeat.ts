import { Context } from '@temporalio/activity';

/**
 * Heartbeats while `fn` runs. Activities declare a short heartbeat timeout, so a worker that dies mid-page
 * (SIGKILL, OOM, a lost host) has its page retried elsewhere within seconds instead of after the whole
 * start-to-close timeout, while a slow Descope reply on a live worker is not mistaken for a dead one.
 */
export async function withHeartbeats<T>(fn: () => Promise<T>, everyMs = 2000): Promise<T> {
  const context = currentContext();
  if (!context) return fn();
  // No heartbeat at the start: a page usually takes well under `everyMs`, and each heartbeat is one more call
  // to the Temporal server. The first one, `everyMs` in, is far inside the heartbeat timeout.
  const timer = setInterval(() => context.heartbeat(), everyMs);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
