import { parseArgs } from 'node:util';

/** Step kinds the schedule draws from; a weight of 0 turns a kind off. */
export const STEP_KINDS = ['mutate', 'webhookFault', 'descopeFault', 'kill', 'control', 'wait'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export interface SimOptions {
  seed: number;
  steps: number;
  /** Users and test users the emulator is seeded with. */
  users: number;
  testUsers: number;
  /** Settle and check the invariants every K steps as well as at the end (0: only at the end). */
  checkpointEvery: number;
  weights: Record<StepKind, number>;
  /** Kill and restart the Temporal dev server and the MongoDB-wire server too (slow: seconds each). */
  restartServers: boolean;
  /** The product's Descope budgets, given to the worker as DESCOPE_SEARCH_RPM / DESCOPE_LOAD_RPM. */
  searchRpm: number;
  loadRpm: number;
  /** Longest wait for the system to settle before it counts as stuck. */
  settleTimeoutMs: number;
  log: (line: string) => void;
}

export const DEFAULT_WEIGHTS: Record<StepKind, number> = {
  mutate: 50,
  webhookFault: 10,
  descopeFault: 10,
  kill: 4,
  control: 10,
  wait: 16,
};

export function defaultOptions(overrides: Partial<SimOptions> = {}): SimOptions {
  return {
    seed: 1,
    steps: 200,
    users: 300,
    testUsers: 10,
    checkpointEvery: 0,
    weights: { ...DEFAULT_WEIGHTS },
    restartServers: true,
    searchRpm: 300,
    loadRpm: 1200,
    settleTimeoutMs: 180_000,
    log: (line) => console.error(line),
    ...overrides,
  };
}

export const USAGE = `npm run simulate -- [--seed S | --seeds A..B] [--steps N] [options]

  --seed S               one seeded schedule (default 1); --seeds 1..50 runs each in turn
  --steps N              steps per seed (default 200)
  --users N              users the emulator starts with (default 300), --test-users N (default 10)
  --checkpoint-every K   settle and check the invariants every K steps too (default 0: at the end only)
  --weights k=w,...      step weights: mutate, webhookFault, descopeFault, kill, control, wait
  --no-server-restarts   never kill the Temporal dev server or the MongoDB-wire server
  --search-rpm N, --load-rpm N   the worker's Descope budgets (default 300 and 1200)
Prints one JSON summary line per seed on stdout; progress goes to stderr. Exit 1 when an invariant broke.`;

export interface CliRequest {
  seeds: number[];
  options: SimOptions;
}

export function parseCli(argv: string[]): CliRequest | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      seed: { type: 'string' },
      seeds: { type: 'string' },
      steps: { type: 'string' },
      users: { type: 'string' },
      'test-users': { type: 'string' },
      'checkpoint-every': { type: 'string' },
      weights: { type: 'string' },
      'no-server-restarts': { type: 'boolean' },
      'search-rpm': { type: 'string' },
      'load-rpm': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  const int = (name: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected a whole number, got ${value}`);
    return n;
  };
  const base = defaultOptions();
  const options = defaultOptions({
    steps: int('steps', values.steps, base.steps),
    users: int('users', values.users, base.users),
    testUsers: int('test-users', values['test-users'], base.testUsers),
    checkpointEvery: int('checkpoint-every', values['checkpoint-every'], 0),
    weights: parseWeights(values.weights),
    restartServers: !values['no-server-restarts'],
    searchRpm: int('search-rpm', values['search-rpm'], base.searchRpm),
    loadRpm: int('load-rpm', values['load-rpm'], base.loadRpm),
  });
  return { seeds: parseSeeds(values.seed, values.seeds), options };
}

function parseSeeds(seed: string | undefined, seeds: string | undefined): number[] {
  if (seeds) {
    const match = /^(\d+)\.\.(\d+)$/.exec(seeds);
    if (!match) return seeds.split(',').map(Number);
    const [from, to] = [Number(match[1]), Number(match[2])];
    return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
  }
  return [Number(seed ?? 1)];
}

function parseWeights(text: string | undefined): Record<StepKind, number> {
  const weights = { ...DEFAULT_WEIGHTS };
  for (const pair of (text ?? '').split(',').filter(Boolean)) {
    const [key, value] = pair.split('=');
    if (!STEP_KINDS.includes(key as StepKind) || !Number.isFinite(Number(value))) {
      throw new Error(`--weights: expected kind=weight with kind one of ${STEP_KINDS.join(', ')}, got ${pair}`);
    }
    weights[key as StepKind] = Number(value);
  }
  return weights;
}
