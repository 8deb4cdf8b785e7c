import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultOptions } from '../../scripts/simulate/options';
import { runSeed, type SeedSummary } from '../../scripts/simulate/run';
import { startSimServers, type SimServers } from '../../scripts/simulate/servers';
import { recordReliability } from '../fixtures/reliability';

const FAULT = 'Seeded simulation (npm run simulate): random user changes, webhook and Descope faults, kills, pauses';
const SEEDS = [1, 2];
const STEPS = 20;

/**
 * A short `npm run simulate` inside `npm test`: the simulation owns its Temporal dev server and FerretDB (it
 * kills and restarts them), runs the product's worker and webhook as processes, and after each seed's steps
 * settles, reconciles, sweeps and checks that MongoDB is an exact copy of the emulator, deleted users are
 * tombstones, every failed workflow says why, and Descope's budget held.
 */
describe('seeded simulation', () => {
  let servers: SimServers;
  const summaries: SeedSummary[] = [];

  beforeAll(async () => {
    servers = await startSimServers(() => {});
  });
  afterAll(async () => {
    await servers?.stop();
  });

  for (const seed of SEEDS) {
    it(`seed ${seed}, ${STEPS} steps: every invariant holds after the faults`, { timeout: 420_000 }, async () => {
      const log: string[] = [];
      const options = defaultOptions({
        seed,
        steps: STEPS,
        users: 100,
        restartServers: false,
        settleTimeoutMs: 120_000,
        log: (line) => log.push(line),
      });
      const summary = await runSeed(servers, options);
      summaries.push(summary);
      expect(summary.stepsRun).toBe(STEPS);
      expect(Object.values(summary.injected).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(
        summary.divergences.map((d) => `${d.invariant}: ${d.detail}`),
        log.join('\n'),
      ).toEqual([]);
      if (seed === SEEDS.at(-1)) recordRun(summaries);
    });
  }
});

/** One RELIABILITY.md row for the seeds run: faults counted by the simulation as it injected them. */
function recordRun(summaries: SeedSummary[]): void {
  if (summaries.length !== SEEDS.length || summaries.some((s) => !s.ok)) return;
  const byKind = new Map<string, number>();
  for (const s of summaries) for (const [k, n] of Object.entries(s.injected)) byKind.set(k, (byKind.get(k) ?? 0) + n);
  const faults = [...byKind].filter(([k]) => !k.startsWith('mutate/')).sort();
  recordReliability({
    fault: FAULT,
    injected: faults.reduce((sum, [, n]) => sum + n, 0),
    outcome: `seeds ${SEEDS.join(', ')} × ${STEPS} steps, invariants kept; ${faults.map(([k, n]) => `${k} ${n}`).join(', ')}`,
    lost: 0,
  });
}
