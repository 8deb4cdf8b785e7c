import type { RunningEmulator } from '../../src/emulator';
import type { MongoStore } from '../../src/store';
import { elapsed, sleep } from '../stats';
import type { BenchWebhook } from '../webhookServer';

export interface DeliveryPlan {
  /** Event ids are `<prefix>-<n>`; the apply activity records each under that id in `events`. */
  prefix: string;
  events: number;
  size: number;
  concurrency: number;
  /**
   * Open loop: a delivery starts every 1/ratePerSecond s whether or not earlier ones are answered (as Descope
   * sends), `concurrency` unused. Without it, `concurrency` lanes each post the next delivery once answered.
   */
  ratePerSecond?: number;
}

export interface DeliveryMeasure {
  /** Per acknowledged delivery, from its first attempt to the 200. */
  ackMs: number[];
  postingMs: number;
  /** Events in acknowledged deliveries: the ones the product has taken responsibility for. */
  acknowledged: number;
  /** Attempts answered with anything but 200 (503 when Temporal did not take the starts in time), by status. */
  refusals: Record<string, number>;
  /** Deliveries still refused after every redelivery. */
  failures: number;
}

/** Descope redelivers a refused delivery; the bench does too, a little sooner than Retry-After says. */
const ATTEMPTS = 5;
const REDELIVERY_DELAY_MS = 1000;

/**
 * Posts the plan's events as Descope would: each is a UserCreated for a user just created in the emulator,
 * `occurred` is when. Deliveries of one event are a single object, larger ones an array; `concurrency`
 * deliveries are in flight at once.
 */
export async function deliver(
  webhook: BenchWebhook,
  emulator: RunningEmulator,
  plan: DeliveryPlan,
): Promise<DeliveryMeasure> {
  const deliveries: number[][] = [];
  for (let i = 0; i < plan.events; i += plan.size)
    deliveries.push(Array.from({ length: Math.min(plan.size, plan.events - i) }, (_, k) => i + k));
  const ackMs: number[] = [];
  const refusals: Record<string, number> = {};
  let acknowledged = 0;
  let failures = 0;
  const post = async (numbers: number[]) => {
    const users = emulator.users.createMany(
      numbers.map((n) => ({ email: `${plan.prefix}-${n}@bench.example`, name: `Bench ${plan.prefix} ${n}` })),
    );
    const occurred = Date.now();
    const events = numbers.map((n, k) => ({
      ID: `${plan.prefix}-${n}`,
      action: 'UserCreated',
      userId: users[k]!.userId,
      occurred,
      actorId: 'bench',
    }));
    const t0 = performance.now();
    for (let attempt = 1; ; attempt++) {
      const response = await webhook.post(plan.size === 1 ? events[0] : events);
      await response.arrayBuffer();
      if (response.status === 200) {
        ackMs.push(elapsed(t0));
        acknowledged += events.length;
        return;
      }
      refusals[response.status] = (refusals[response.status] ?? 0) + 1;
      if (attempt === ATTEMPTS) {
        failures += 1;
        return;
      }
      await sleep(REDELIVERY_DELAY_MS);
    }
  };
  const t0 = performance.now();
  if (plan.ratePerSecond) {
    const intervalMs = 1000 / plan.ratePerSecond;
    const posted: Promise<void>[] = [];
    for (const [k, numbers] of deliveries.entries()) {
      await sleep(Math.max(0, k * intervalMs - elapsed(t0)));
      posted.push(post(numbers));
    }
    await Promise.all(posted);
  } else {
    let next = 0;
    const lane = async () => {
      while (next < deliveries.length) await post(deliveries[next++]!);
    };
    await Promise.all(Array.from({ length: plan.concurrency }, lane));
  }
  return { ackMs, postingMs: elapsed(t0), acknowledged, refusals, failures };
}

export interface AppliedEvent {
  receivedAt: number;
  appliedAt: number;
  occurredAt: number;
}

/**
 * Waits until every event of the plan is written to MongoDB, then returns their times. The plan has the
 * database to itself, and the apply activity creates each `events` record, so counting them is enough; the
 * estimated count is a metadata read, which keeps the polling from loading a server without indexes.
 */
export async function applied(
  store: MongoStore,
  plan: DeliveryPlan,
  expected: number,
  timeoutMs: number,
): Promise<AppliedEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await store.events.estimatedDocumentCount();
    if (count >= expected) break;
    if (Date.now() > deadline) throw new Error(`${plan.prefix}: ${count} of ${expected} events applied in time`);
    await sleep(500);
  }
  const docs = await store.events.find({ _id: { $regex: `^${plan.prefix}-` } }).toArray();
  return docs.map((d) => ({ receivedAt: d.receivedAt, appliedAt: d.appliedAt!, occurredAt: d.occurredAt ?? 0 }));
}
