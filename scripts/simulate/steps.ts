import type { DescopeUser } from '../../src/emulator';
import type { Prng } from '../../src/emulator/prng';
import type { Deployment } from './deployment';
import { controlStep } from './control';
import { descopeFaultStep, webhookFaultStep, type ActiveFault } from './faults';
import { mutationStep } from './mutations';
import { STEP_KINDS, type SimOptions, type StepKind } from './options';
import type { SimServers } from './servers';

/** What a step can touch, and what the run counts. Everything random comes from `prng`, seeded by the seed. */
export interface SimContext {
  options: SimOptions;
  prng: Prng;
  servers: SimServers;
  deployment: Deployment;
  /** Test users (seeded or created): kept out of the comparison, as the product's default keeps them out. */
  testIds: Set<string>;
  /** Faults and other injections by kind, as they happened. */
  injected: Record<string, number>;
  /** Faults that end after a number of steps. */
  active: ActiveFault[];
  /** Things seen during steps that break a promise on the spot (a refused delivery with one bad event...). */
  observations: { step: number; invariant: string; detail: string }[];
  step: number;
  serial: number;
}

/**
 * Descope's live, non-test users in id order: the emulator lists by creation second, and where second boundaries
 * fall depends on the wall clock, so a draw from that order would not repeat for a seed.
 */
export function liveUsers(ctx: SimContext): DescopeUser[] {
  return ctx.deployment.emulator.users
    .all()
    .filter((u) => !u.test)
    .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}

export function count(ctx: SimContext, kind: string, by = 1): void {
  ctx.injected[kind] = (ctx.injected[kind] ?? 0) + by;
}

/** One step: expire faults whose time is up, draw a kind by weight, run it; returns a line for the step log. */
export async function runStep(ctx: SimContext): Promise<string> {
  await expireFaults(ctx);
  const kind = pickKind(ctx.prng, ctx.options.weights);
  const pauseMs = ctx.prng.int(0, 120);
  const line = await STEP_RUNNERS[kind](ctx);
  if (pauseMs) await sleep(pauseMs);
  return `${kind}: ${line}`;
}

const STEP_RUNNERS: Record<StepKind, (ctx: SimContext) => Promise<string>> = {
  mutate: mutationStep,
  webhookFault: webhookFaultStep,
  descopeFault: descopeFaultStep,
  kill: killStep,
  control: controlStep,
  wait: async (ctx) => {
    const ms = ctx.prng.int(200, 2000);
    await sleep(ms);
    return `${ms} ms`;
  },
};

function pickKind(prng: Prng, weights: Record<StepKind, number>): StepKind {
  const total = STEP_KINDS.reduce((sum, k) => sum + Math.max(0, weights[k]), 0);
  let roll = prng.next() * total;
  for (const kind of STEP_KINDS) {
    roll -= Math.max(0, weights[kind]);
    if (roll < 0) return kind;
  }
  return 'wait';
}

export async function expireFaults(ctx: SimContext, all = false): Promise<void> {
  const due = ctx.active.filter((f) => all || f.untilStep <= ctx.step);
  ctx.active = ctx.active.filter((f) => !due.includes(f));
  for (const fault of due) fault.clear();
}

async function killStep(ctx: SimContext): Promise<string> {
  const { deployment, servers } = ctx;
  const targets = ['worker', 'worker', 'worker', 'webhook', 'webhook'];
  if (ctx.options.restartServers) targets.push('temporal', ...(servers.canRestartMongo ? ['mongo'] : []));
  const target = ctx.prng.pick(targets);
  count(ctx, `kill/${target}`);
  if (target === 'worker') await deployment.killWorker();
  else if (target === 'webhook') await deployment.killWebhook();
  else if (target === 'temporal') {
    await servers.restartTemporal();
    await deployment.reconnect();
  } else await servers.restartMongo();
  return `SIGKILL ${target}, restarted`;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
