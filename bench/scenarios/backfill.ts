import { DEFAULT_LANES } from '../../workflows/messages';
import { reproduce } from '../options';
import { startRig, type Rig } from '../rig';
import { median, round } from '../stats';
import type { ScenarioContext, ScenarioResult } from '../scenario';
import { productBackfill, type ProductMeasure } from './backfillRun';
import { rawBackfill, type RawMeasure } from './rawBaseline';

const TARGET_RATIO = 0.8;

/**
 * Scenario 1: an unthrottled backfill of N users, end to end, against a plain search-and-insertMany loop on the
 * same servers. Product and baseline alternate which goes first, so neither always meets a warmer server.
 */
export async function backfillScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { users, runs } = ctx.options;
  const rig = await startRig(ctx.servers, { seed: 1, userCount: users, testUserCount: 0 });
  const product: ProductMeasure[] = [];
  const raw: RawMeasure[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      const steps = [
        () => measureProduct(rig, users, ctx.options.lanes),
        () => measureRaw(rig, users, ctx.options.lanes ?? DEFAULT_LANES),
      ];
      for (const step of r % 2 === 0 ? steps : steps.reverse()) {
        const m = await step();
        if ('searchMs' in m) raw.push(m);
        else product.push(m);
        ctx.log(`  run ${r + 1}/${runs} ${'searchMs' in m ? 'raw' : 'product'}: ${round(m.usersPerSecond)} users/s`);
      }
    }
  } finally {
    await rig.close();
  }
  const productRate = median(product.map((m) => m.usersPerSecond));
  const rawRate = median(raw.map((m) => m.usersPerSecond));
  const ratio = productRate / rawRate;
  const typical = closestTo(product, productRate);
  const typicalRaw = closestTo(raw, rawRate);
  return {
    name: 'backfill',
    title: `Backfill of ${users} users, no rate limit: product vs raw loop`,
    command: reproduce('backfill', ctx.options),
    figures: {
      productUsersPerSecond: round(productRate),
      rawUsersPerSecond: round(rawRate),
      productToRawRatio: round(ratio, 2),
      productSeconds: round(median(product.map((m) => m.ms)) / 1000, 2),
      rawSeconds: round(median(raw.map((m) => m.ms)) / 1000, 2),
      productRequests: median(product.map((m) => m.requests)),
      rawRequests: median(raw.map((m) => m.requests)),
    },
    targets: [{ figure: 'productToRawRatio', goal: `≥ ${TARGET_RATIO}`, met: ratio >= TARGET_RATIO }],
    table: {
      columns: ['run', 'product users/s', 'raw users/s', 'ratio', 'product s', 'raw s', 'product requests'],
      rows: product.map((p, i) => [
        i + 1,
        round(p.usersPerSecond),
        round(raw[i]!.usersPerSecond),
        round(p.usersPerSecond / raw[i]!.usersPerSecond, 2),
        round(p.ms / 1000, 2),
        round(raw[i]!.ms / 1000, 2),
        p.requests,
      ]),
    },
    notes: [
      'Product: the backfillUsers workflow from start to result (keyset pages of 100 over up to 8 creation-time lanes at once, one Descope search per activity, the one write path, progress mirrored to sync_state with each page).',
      "Raw: the same SDK wrapper paging by offset with as many pages in flight as the product's lanes (8 by default), insertMany of the same stored documents the product writes (Descope fields plus _sync) and of their first user_history versions, no Temporal; its time split below shows what the servers themselves cost. Both sides' per-page stages overlap, so they add up to more than the wall time per page (totalMs).",
    ],
    details: {
      users,
      runs,
      product: product.map(({ timeline: _t, ...m }) => m),
      raw: raw.map(({ timeline: _t, ...m }) => m),
      stages: stagesOf(typical, typicalRaw),
      timeline: { product: typical.timeline, raw: typicalRaw.timeline },
    },
  };
}

async function measureProduct(rig: Rig, users: number, lanes: number | undefined): Promise<ProductMeasure> {
  const run = await rig.openRun();
  try {
    const m = await productBackfill(rig, run, { lanes });
    if (m.users !== users) throw new Error(`the product backfill wrote ${m.users} of ${users} users`);
    return m;
  } finally {
    await run.close();
  }
}

async function measureRaw(rig: Rig, users: number, concurrency: number): Promise<RawMeasure> {
  const run = await rig.openRun({ worker: false });
  try {
    const m = await rawBackfill(rig, run, concurrency);
    if (m.users !== users) throw new Error(`the raw loop wrote ${m.users} of ${users} users`);
    return m;
  } finally {
    await run.close();
  }
}

/** Per page, in ms: what the raw loop's servers cost, and where the product's workflow spent its time. */
function stagesOf(product: ProductMeasure, raw: RawMeasure) {
  const p = product.profile;
  const perPage = (ms: number | undefined) => round((ms ?? 0) / product.requests, 1);
  return {
    raw: {
      descopeSearchMs: round(raw.searchMs / raw.requests, 1),
      insertManyMs: round(raw.insertMs / raw.requests, 1),
    },
    product: {
      scanPageActivityMs: perPage(p.activityExecutionMs.scanPage),
      progressMirrorActivityMs: perPage(p.activityExecutionMs.saveSyncState),
      activityQueueMs: perPage(Object.values(p.activityQueueMs).reduce((a, b) => a + b, 0)),
      workflowTaskMs: perPage(p.workflowTaskExecutionMs + p.workflowTaskQueueMs),
      totalMs: perPage(product.ms),
    },
  };
}

function closestTo<T extends { usersPerSecond: number }>(measures: T[], value: number): T {
  return measures.reduce((best, m) =>
    Math.abs(m.usersPerSecond - value) < Math.abs(best.usersPerSecond - value) ? m : best,
  );
}
