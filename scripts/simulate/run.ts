import { createPrng } from '../../src/emulator/prng';
import { startBackfill } from './control';
import { startDeployment } from './deployment';
import { checkInvariants, type Divergence, type FailedWorkflow } from './invariants';
import type { SimOptions } from './options';
import type { SimServers } from './servers';
import { settle } from './settle';
import { runStep, type SimContext } from './steps';

/** One seed's outcome: the JSON line `npm run simulate` prints, and what RELIABILITY.md rows are made from. */
export interface SeedSummary {
  seed: number;
  steps: number;
  stepsRun: number;
  ok: boolean;
  seconds: number;
  users: number;
  injected: Record<string, number>;
  /** Each broken invariant and the checkpoint interval it broke in: after step `afterStep`, by `byStep`. */
  divergences: (Divergence & { afterStep: number; byStep: number })[];
  failedWorkflows: FailedWorkflow[];
  checkpoints: number[];
}

export async function runSeed(servers: SimServers, options: SimOptions): Promise<SeedSummary> {
  const started = Date.now();
  const deployment = await startDeployment(servers, options);
  options.log(`seed ${options.seed}: deployment up in ${Date.now() - started} ms`);
  const ctx: SimContext = {
    options,
    prng: createPrng(options.seed),
    servers,
    deployment,
    testIds: new Set(
      deployment.emulator.users
        .all()
        .filter((u) => u.test)
        .map((u) => u.userId),
    ),
    injected: {},
    active: [],
    observations: [],
    step: 0,
    serial: 0,
  };
  const summary: SeedSummary = {
    seed: options.seed,
    steps: options.steps,
    stepsRun: 0,
    ok: true,
    seconds: 0,
    users: options.users,
    injected: ctx.injected,
    divergences: [],
    failedWorkflows: [],
    checkpoints: [],
  };
  const stepLog: string[] = [`0 ${await startBackfill(ctx)}`];
  const seenStored = new Set<string>();
  let lastCheckpoint = 0;
  try {
    for (ctx.step = 1; ctx.step <= options.steps; ctx.step++) {
      stepLog.push(`${ctx.step} ${await runStep(ctx)}`);
      summary.stepsRun = ctx.step;
      const last = ctx.step === options.steps;
      if (!last && !(options.checkpointEvery > 0 && ctx.step % options.checkpointEvery === 0)) continue;
      options.log(`seed ${options.seed}: checkpoint after step ${ctx.step}, ${Date.now() - started} ms in`);
      const broken = await checkpoint(ctx, seenStored, lastCheckpoint);
      summary.checkpoints.push(ctx.step);
      summary.divergences.push(...broken.divergences);
      summary.failedWorkflows = broken.failed;
      if (broken.divergences.length) {
        printFailure(options, broken.divergences, stepLog);
        break;
      }
      lastCheckpoint = ctx.step;
    }
  } finally {
    await deployment.close();
  }
  summary.ok = summary.divergences.length === 0;
  summary.seconds = Math.round((Date.now() - started) / 100) / 10;
  return summary;
}

async function checkpoint(ctx: SimContext, seenStored: Set<string>, lastCheckpoint: number) {
  const problems = await settle(ctx);
  const { divergences, failed } = await checkInvariants({
    deployment: ctx.deployment,
    testIds: ctx.testIds,
    seenStored,
    searchRpm: ctx.options.searchRpm,
    loadRpm: ctx.options.loadRpm,
  });
  const at = { afterStep: lastCheckpoint, byStep: ctx.step };
  const fromSettle = problems.map((p) => ({
    invariant: p.split(':')[0]!,
    count: 1,
    detail: p,
    samples: [],
    ...at,
  }));
  // Observations name their own step: they broke a promise on the spot.
  const observed = ctx.observations.splice(0).map((o) => ({
    invariant: o.invariant,
    count: 1,
    detail: o.detail,
    samples: [],
    afterStep: o.step - 1,
    byStep: o.step,
  }));
  return { divergences: [...observed, ...fromSettle, ...divergences.map((d) => ({ ...d, ...at }))], failed };
}

function printFailure(options: SimOptions, divergences: SeedSummary['divergences'], stepLog: string[]): void {
  const lines = [`SIMULATION FAILED: seed ${options.seed}, steps ${options.steps}`];
  for (const d of divergences) {
    lines.push(`  ${d.invariant}: ${d.detail} (broke after step ${d.afterStep}, by step ${d.byStep})`);
    for (const sample of d.samples) lines.push(`    ${JSON.stringify(sample)}`);
  }
  const first = Math.min(...divergences.map((d) => d.afterStep));
  lines.push(`  steps ${first + 1}..${divergences[0]!.byStep}:`);
  const steps = stepLog.slice(first + 1, divergences[0]!.byStep + 1);
  // Many steps: the faults, kills and controls tell the story; user changes are counted in the summary.
  const shown = steps.length > 40 ? steps.filter((l) => !/^\d+ mutate:/.test(l)) : steps;
  lines.push(...shown.slice(-60).map((l) => `    ${l}`));
  lines.push(`  reproduce: npm run simulate -- --seed ${options.seed} --steps ${options.steps}`);
  lines.push(`  narrow it: add --checkpoint-every 10 (same schedule, checked every 10 steps)`);
  options.log(lines.join('\n'));
}
