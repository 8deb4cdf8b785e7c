import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { createPrng } from '../../src/emulator/prng';
import type { Deployment } from '../../scripts/simulate/deployment';
import { defaultOptions } from '../../scripts/simulate/options';
import { peakPerMinute } from '../../scripts/simulate/invariants';
import { runStep, type SimContext } from '../../scripts/simulate/steps';

const emulators: RunningEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

/**
 * The steps that need only the emulator, run for `steps` steps; returns the step log and Descope's end state.
 * Descope's clock moves `msPerStep` a step: where second boundaries fall must not change what a seed draws.
 */
async function schedule(seed: number, steps: number, msPerStep: number) {
  let step = 0;
  const emulator = await startEmulator({
    seed,
    userCount: 40,
    rateLimits: false,
    webhook: { enabled: false },
    now: () => Date.UTC(2026, 10, 30) + step * msPerStep,
  });
  emulators.push(emulator);
  const options = defaultOptions({
    seed,
    weights: { mutate: 6, descopeFault: 2, webhookFault: 2, kill: 0, control: 0, wait: 0 },
  });
  const deployment = { emulator, projectId: emulator.projectId, webhookUrl: 'http://127.0.0.1:9/', webhookToken: 't' };
  const ctx: SimContext = {
    options,
    prng: createPrng(seed),
    servers: undefined as never,
    deployment: deployment as unknown as Deployment,
    testIds: new Set(),
    injected: {},
    active: [],
    observations: [],
    step: 0,
    serial: 0,
  };
  const log: string[] = [];
  for (ctx.step = 1; ctx.step <= steps; ctx.step++) {
    step = ctx.step;
    log.push(await runStep(ctx));
  }
  // By id: users created in the same second list in an order that depends on where the second boundaries fell.
  const users = emulator.users
    .all()
    .map(({ createdTime: _c, modifiedTime: _m, ...u }) => u)
    .sort((x, y) => x.userId.localeCompare(y.userId));
  return { log, users, injected: ctx.injected };
}

describe('simulation schedule', () => {
  it('the same seed draws the same steps and leaves Descope in the same state; another seed does not', async () => {
    // One run with every change in the same second, one with a second and a half between steps.
    const [a, b, c] = [await schedule(7, 25, 0), await schedule(7, 25, 1500), await schedule(8, 25, 0)];
    expect(b.log).toEqual(a.log);
    expect(b.users).toEqual(a.users);
    expect(b.injected).toEqual(a.injected);
    expect(c.log).not.toEqual(a.log);
  });

  it('counts the busiest 60 s window of requests', () => {
    expect(peakPerMinute([])).toEqual({ count: 0, from: 0 });
    expect(peakPerMinute([0, 59_999, 60_000, 60_001, 119_000]).count).toBe(4);
    expect(peakPerMinute([5, 1, 3]).count).toBe(3);
  });
});
