import type { ApplyRequest, SinkResult, SinkWork, WindowRequest } from './types';

/** One durable start of the intake for a group's merged events; `started: false` when that intake already ran. */
export type StartGroup = (work: SinkWork, signal: AbortSignal) => Promise<{ started: boolean; intake: string }>;

export interface GroupCommitOptions {
  /** Intake starts in flight at once; deliveries arriving while all are busy wait and share the next one. */
  maxInFlight: number;
  /** Events plus the users batch events name, per group: keeps one start's input far below Temporal's limits. */
  maxWeight: number;
}

/**
 * Two starts in flight: measured with 16 one-event deliveries in flight (`npm run bench -- --scenarios webhook`,
 * BENCH_WEBHOOK_CONCURRENCY=16), ack p99 258 ms with 2, 291 ms with 4 and 349 ms with 1. 2,000 events and named
 * users are about 200 KB of workflow input, far below Temporal's 2 MB payload limit.
 */
export const GROUP_COMMIT: GroupCommitOptions = { maxInFlight: 2, maxWeight: 2000 };

interface Waiting {
  work: SinkWork;
  signal: AbortSignal;
  resolve: (result: SinkResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for webhook deliveries: while `maxInFlight` intake starts are out, deliveries that arrive wait,
 * and the next start carries all of them (one Temporal call for the group, each delivery answered when the
 * start that holds its events returns). Idle, a delivery starts at once and alone, so its intake id is the one
 * it would have on its own and a redelivery of it is recognised; under load the calls per second stay at
 * about `maxInFlight` / (one start's latency) however many deliveries arrive, which is what keeps the
 * acknowledgement from queueing behind Temporal.
 */
export function groupCommit(
  startGroup: StartGroup,
  options: GroupCommitOptions = GROUP_COMMIT,
): (work: SinkWork, signal: AbortSignal) => Promise<SinkResult> {
  const queue: Waiting[] = [];
  let inFlight = 0;

  const pump = (): void => {
    while (inFlight < options.maxInFlight && queue.length > 0) {
      const group = takeGroup(queue, options.maxWeight);
      inFlight += 1;
      void commit(group).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  };

  const commit = async (group: Waiting[]): Promise<void> => {
    const merged = mergeGroup(group.map((w) => w.work));
    const gaveUp = allAborted(group.map((w) => w.signal));
    try {
      const outcome = await startGroup(merged.work, gaveUp.signal);
      group.forEach((waiting, i) => {
        const events = eventsIn(waiting.work);
        waiting.resolve(
          outcome.started
            ? { started: events - merged.repeats[i]!, duplicates: merged.repeats[i]!, intake: outcome.intake }
            : { started: 0, duplicates: events, intake: outcome.intake },
        );
      });
    } catch (error) {
      for (const waiting of group) waiting.reject(error);
    } finally {
      gaveUp.release();
    }
  };

  return (work, signal) =>
    new Promise<SinkResult>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => {
        // Still waiting: it leaves the queue (the endpoint has answered 503). In flight: its start goes on.
        const at = queue.indexOf(waiting);
        if (at >= 0) queue.splice(at, 1);
        reject(signal.reason);
      };
      const settled = () => signal.removeEventListener('abort', onAbort);
      const waiting: Waiting = {
        work,
        signal,
        resolve: (result) => (settled(), resolve(result)),
        reject: (error) => (settled(), reject(error)),
      };
      queue.push(waiting);
      signal.addEventListener('abort', onAbort, { once: true });
      pump();
    });
}

/** The oldest waiting deliveries, in arrival order, up to `maxWeight` (a heavier delivery alone goes alone). */
function takeGroup(queue: Waiting[], maxWeight: number): Waiting[] {
  const group = [queue.shift()!];
  let weight = weightOf(group[0]!.work);
  while (queue.length > 0 && weight + weightOf(queue[0]!.work) <= maxWeight) {
    const next = queue.shift()!;
    weight += weightOf(next.work);
    group.push(next);
  }
  return group;
}

function eventsIn(work: SinkWork): number {
  return work.applies.length + work.windows.length;
}

/** What a delivery adds to a start's input: its events and the users its batch events name. */
function weightOf(work: SinkWork): number {
  return eventsIn(work) + work.applies.reduce((sum, a) => sum + (a.userIds?.length ?? 0), 0);
}

/**
 * The group's events, each once: an event two deliveries of the group both carry goes in with the first, and
 * counts as a duplicate for the later one (`repeats`, by delivery).
 */
export function mergeGroup(works: SinkWork[]): { work: SinkWork; repeats: number[] } {
  const seen = new Set<string>();
  const applies: ApplyRequest[] = [];
  const windows: WindowRequest[] = [];
  const repeats = works.map((work) => {
    let repeated = 0;
    const take = <T extends { eventId: string }>(into: T[], request: T) => {
      if (seen.has(request.eventId)) repeated += 1;
      else {
        seen.add(request.eventId);
        into.push(request);
      }
    };
    for (const request of work.applies) take(applies, request);
    for (const request of work.windows) take(windows, request);
    return repeated;
  });
  return { work: { applies, windows }, repeats };
}

/**
 * Aborts once every delivery of the group has given up: then nobody waits for the start any more. `release`
 * drops its listeners from the deliveries' signals once the start has returned.
 */
function allAborted(signals: AbortSignal[]): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  let left = signals.length;
  const one = () => {
    left -= 1;
    if (left === 0) controller.abort(new Error('every delivery of the group gave up'));
  };
  for (const signal of signals) {
    if (signal.aborted) one();
    else signal.addEventListener('abort', one, { once: true });
  }
  const release = () => {
    for (const signal of signals) signal.removeEventListener('abort', one);
  };
  return { signal: controller.signal, release };
}
