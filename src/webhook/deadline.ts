export type DeadlineOutcome<T> =
  { kind: 'done'; value: T } | { kind: 'failed'; error: unknown } | { kind: 'timed-out' };

/**
 * Runs `work` but stops waiting after `ms`, aborting its signal so it can give up too. Never rejects, and a
 * late rejection of `work` is absorbed rather than surfacing as an unhandled rejection.
 */
export async function withDeadline<T>(
  work: (signal: AbortSignal) => Promise<T>,
  ms: number,
): Promise<DeadlineOutcome<T>> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<DeadlineOutcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timed-out' }), ms);
  });
  const attempt = Promise.resolve()
    .then(() => work(controller.signal))
    .then(
      (value): DeadlineOutcome<T> => ({ kind: 'done', value }),
      (error: unknown): DeadlineOutcome<T> => ({ kind: 'failed', error }),
    );
  try {
    const outcome = await Promise.race([attempt, timedOut]);
    if (outcome.kind === 'timed-out') controller.abort(new Error(`gave up after ${ms} ms`));
    return outcome;
  } finally {
    clearTimeout(timer);
  }
}
