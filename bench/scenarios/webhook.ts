import { reproduce } from '../options';
import { startRig, type Rig } from '../rig';
import { median, percentile, round } from '../stats';
import type { ScenarioContext, ScenarioResult } from '../scenario';
import { startWebhook } from '../webhookServer';
import { applied, deliver, type DeliveryPlan } from './webhookDeliveries';

const SIZES = [1, 100];
const CONCURRENCY = [1, 4, 16];

interface Combination {
  size: number;
  concurrency: number;
  acksPerSecond: number;
  ackP50Ms: number;
  ackP99Ms: number;
  appliedPerSecond: number;
  lagReceivedP50Ms: number;
  lagReceivedP99Ms: number;
  lagOccurredP50Ms: number;
  lagOccurredP99Ms: number;
  refusals: number;
  failures: number;
}

/**
 * Scenario 3: audit events through the real webhook app, the Temporal sink and the worker's apply workflow:
 * how fast the endpoint acknowledges, and how long an event takes to reach MongoDB.
 */
export async function webhookScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const events = ctx.options.events;
  const rig = await startRig(ctx.servers, { seed: 3, userCount: 0, testUserCount: 0 });
  const combos: Combination[] = [];
  try {
    for (const size of SIZES) {
      for (const concurrency of CONCURRENCY) {
        const plan: DeliveryPlan = {
          prefix: `s${size}c${concurrency}`,
          events,
          size: Math.min(size, events),
          concurrency,
        };
        const c = await measure(rig, plan);
        combos.push(c);
        ctx.log(`  ${size}/delivery c=${concurrency}: ${c.acksPerSecond} acks/s, lag p50 ${c.lagReceivedP50Ms} ms`);
      }
    }
  } finally {
    await rig.close();
  }
  const failures = combos.reduce((sum, c) => sum + c.failures, 0);
  const refusals = combos.reduce((sum, c) => sum + c.refusals, 0);
  // One event per delivery, one at a time; and the largest deliveries at the highest concurrency.
  const light = combos[0]!;
  const burst = combos.at(-1)!;
  return {
    name: 'webhook',
    title: `Webhook ingestion: ${events} events per delivery size and concurrency`,
    command: reproduce('webhook', ctx.options),
    figures: {
      singleAcksPerSecondBest: Math.max(...combos.filter((c) => c.size === 1).map((c) => c.acksPerSecond)),
      batchAcksPerSecondBest: Math.max(...combos.filter((c) => c.size > 1).map((c) => c.acksPerSecond)),
      appliedPerSecondMedian: round(median(combos.map((c) => c.appliedPerSecond))),
      singleAckP50Ms: light.ackP50Ms,
      lagReceivedP50MsLight: light.lagReceivedP50Ms,
      lagReceivedP99MsLight: light.lagReceivedP99Ms,
      lagReceivedP99MsBurst: burst.lagReceivedP99Ms,
      refusedAttempts: refusals,
      failedDeliveries: failures,
    },
    targets: [{ figure: 'failedDeliveries', goal: '= 0', met: failures === 0 }],
    table: {
      columns: [
        'events/delivery',
        'concurrency',
        'acks/s',
        'ack p50 ms',
        'ack p99 ms',
        'applied/s',
        'lag p50 ms',
        'lag p99 ms',
        'from occurred p50 ms',
        'from occurred p99 ms',
        'refused attempts',
      ],
      rows: combos.map((c) => [
        c.size,
        c.concurrency,
        c.acksPerSecond,
        c.ackP50Ms,
        c.ackP99Ms,
        c.appliedPerSecond,
        c.lagReceivedP50Ms,
        c.lagReceivedP99Ms,
        c.lagOccurredP50Ms,
        c.lagOccurredP99Ms,
        c.refusals,
      ]),
    },
    notes: [
      'Each event is a UserCreated for a user created in the emulator just before it is posted; the apply workflow loads the user and writes it (an insert on the one write path).',
      'FerretDB: a UserModified of a stored user takes the update path, whose updateMany and find-by-$in scan the whole users collection on FerretDB (about 0.5-1 s per 1000 stored users on this machine); real MongoDB uses the _id index.',
      'acks/s: events acknowledged per second of posting. Lag: from receipt at the endpoint (events.receivedAt) or from `occurred` to the MongoDB write (events.appliedAt). Posting outruns applying at high concurrency, so lag there measures the backlog.',
      'A refused delivery (503: Temporal did not take the workflow starts within WEBHOOK_START_TIMEOUT) is redelivered after 1 s, up to 5 attempts, as Descope would; its ack latency runs from the first attempt.',
      'Combinations run one after another, each on a fresh database and worker, and each waits until all its events are applied.',
    ],
    details: { events, combinations: combos },
  };
}

/** One combination on a fresh database and worker, so each starts from the same state. */
async function measure(rig: Rig, plan: DeliveryPlan): Promise<Combination> {
  const run = await rig.openRun();
  const webhook = await startWebhook({
    client: rig.client,
    store: run.store,
    taskQueue: run.taskQueue,
    projectId: rig.projectId,
  });
  try {
    const sent = await deliver(webhook, rig.emulator, plan);
    const times = await applied(run.store, plan, sent.acknowledged, Math.max(180_000, plan.events * 500));
    return summarise(plan, sent, times);
  } finally {
    await webhook.close();
    await run.close();
  }
}

function summarise(
  plan: DeliveryPlan,
  sent: Awaited<ReturnType<typeof deliver>>,
  times: Awaited<ReturnType<typeof applied>>,
): Combination {
  const fromReceived = times.map((t) => t.appliedAt - t.receivedAt);
  const fromOccurred = times.map((t) => t.appliedAt - t.occurredAt);
  const first = Math.min(...times.map((t) => t.receivedAt));
  const last = Math.max(...times.map((t) => t.appliedAt));
  return {
    size: plan.size,
    concurrency: plan.concurrency,
    acksPerSecond: round(sent.acknowledged / (sent.postingMs / 1000)),
    ackP50Ms: round(percentile(sent.ackMs, 50)),
    ackP99Ms: round(percentile(sent.ackMs, 99)),
    appliedPerSecond: round(plan.events / (Math.max(last - first, 1) / 1000)),
    lagReceivedP50Ms: percentile(fromReceived, 50),
    lagReceivedP99Ms: percentile(fromReceived, 99),
    lagOccurredP50Ms: percentile(fromOccurred, 50),
    lagOccurredP99Ms: percentile(fromOccurred, 99),
    refusals: Object.values(sent.refusals).reduce((a, b) => a + b, 0),
    failures: sent.failures,
  };
}
