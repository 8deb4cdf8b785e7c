import { parseArgs } from 'node:util';
import { join } from 'node:path';

export const SCENARIOS = ['backfill', 'ratelimit', 'webhook', 'reconcile', 'memory', 'history', 'revoke'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchOptions {
  /** Users of the backfill scenario. */
  users: number;
  /** Stored users of the reconciliation scenario (small by default: FerretDB scans them on every update). */
  reconcileUsers: number;
  /** Users of the rate-limited backfill (its duration is users / 100 / the request rate). */
  ratelimitUsers: number;
  /** Webhook events in all, shared out over the (delivery size, concurrency) combinations. */
  events: number;
  /** Users changed before each incremental reconciliation. */
  changed: number;
  /** Backfill sizes whose worker peak RSS is compared. */
  memoryUsers: number[];
  /** Stored users of the history scenario (it changes `changed` of them). */
  historyUsers: number;
  /** Deletions and disables timed per AUDIT_FEED_INTERVAL of the time-to-revoke scenario. */
  revokeChanges: number;
  /** AUDIT_FEED_INTERVAL values of the time-to-revoke scenario; `default` leaves it unset (1m). */
  revokeIntervals: string[];
  /** Lanes of the product backfills (pages in flight); undefined: the product's default. */
  lanes?: number;
  runs: number;
  scenarios: ScenarioName[];
  out: string;
}

/**
 * Defaults: the sizes where a 2-core machine on FerretDB gets through them in minutes (about 20 in
 * all); the reconcile scenario's stored users stay at 5,000 because FerretDB scans them on every update.
 */
export const DEFAULTS: BenchOptions = {
  users: 100_000,
  reconcileUsers: 5000,
  ratelimitUsers: 30_000,
  events: 5000,
  changed: 100,
  memoryUsers: [20_000, 100_000],
  historyUsers: 1000,
  revokeChanges: 12,
  revokeIntervals: ['default', '10s'],
  runs: 3,
  scenarios: [...SCENARIOS],
  out: join(import.meta.dirname, 'results'),
};

export const USAGE = `Usage: npm run bench -- [options]

  --users N             users of the backfill scenario (default ${DEFAULTS.users})
  --reconcile-users N   stored users of the reconcile scenario (default ${DEFAULTS.reconcileUsers}; raise it with MONGODB_URI)
  --ratelimit-users N   users of the rate-limited backfill (default ${DEFAULTS.ratelimitUsers})
  --events N            webhook events in all, shared out over 6 delivery sizes and concurrencies (default ${DEFAULTS.events})
  --changed N           users changed before each incremental reconciliation (default ${DEFAULTS.changed})
  --memory-users A,B    backfill sizes for the worker memory comparison (default ${DEFAULTS.memoryUsers.join(',')})
  --history-users N     stored users of the history scenario, which changes --changed of them (default ${DEFAULTS.historyUsers})
  --revoke-changes N    deletions and disables timed per feed interval in the revoke scenario (default ${DEFAULTS.revokeChanges})
  --revoke-intervals L  AUDIT_FEED_INTERVAL values of the revoke scenario; default = unset (default ${DEFAULTS.revokeIntervals.join(',')})
  --lanes N             pages in flight in the product's backfills (default: the product's default)
  --runs N              repetitions of the backfill and reconcile scenarios; medians reported (default ${DEFAULTS.runs})
  --scenarios LIST      any of ${SCENARIOS.join(',')} (default all)
  --out DIR             where latest.json, latest.md and backfill.svg go (default bench/results)

MONGODB_URI set: runs against that MongoDB instead of a local FerretDB.`;

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      users: { type: 'string' },
      'reconcile-users': { type: 'string' },
      'ratelimit-users': { type: 'string' },
      events: { type: 'string' },
      changed: { type: 'string' },
      'memory-users': { type: 'string' },
      'history-users': { type: 'string' },
      'revoke-changes': { type: 'string' },
      'revoke-intervals': { type: 'string' },
      runs: { type: 'string' },
      lanes: { type: 'string' },
      scenarios: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  return {
    users: count(values.users, '--users', DEFAULTS.users),
    reconcileUsers: count(values['reconcile-users'], '--reconcile-users', DEFAULTS.reconcileUsers),
    ratelimitUsers: count(values['ratelimit-users'], '--ratelimit-users', DEFAULTS.ratelimitUsers),
    events: count(values.events, '--events', DEFAULTS.events),
    changed: count(values.changed, '--changed', DEFAULTS.changed),
    memoryUsers: values['memory-users']
      ? values['memory-users'].split(',').map((v) => count(v, '--memory-users', 0))
      : DEFAULTS.memoryUsers,
    historyUsers: count(values['history-users'], '--history-users', DEFAULTS.historyUsers),
    revokeChanges: count(values['revoke-changes'], '--revoke-changes', DEFAULTS.revokeChanges),
    revokeIntervals: values['revoke-intervals']
      ? values['revoke-intervals'].split(',').map((v) => v.trim())
      : DEFAULTS.revokeIntervals,
    runs: count(values.runs, '--runs', DEFAULTS.runs),
    ...(values.lanes === undefined ? {} : { lanes: count(values.lanes, '--lanes', 0) }),
    scenarios: values.scenarios ? scenarioList(values.scenarios) : DEFAULTS.scenarios,
    out: values.out ?? DEFAULTS.out,
  };
}

function count(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} expects a positive integer, got "${value}"`);
  return n;
}

function scenarioList(value: string): ScenarioName[] {
  const names = value.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new UsageError(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.join(',')}`);
  return names as ScenarioName[];
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/** The command that reproduces one scenario's figures with the sizes of this run. */
export function reproduce(scenario: ScenarioName, options: BenchOptions): string {
  const flags: Record<ScenarioName, string[]> = {
    backfill: [`--users ${options.users}`, `--runs ${options.runs}`],
    ratelimit: [`--ratelimit-users ${options.ratelimitUsers}`],
    webhook: [`--events ${options.events}`],
    reconcile: [
      `--reconcile-users ${options.reconcileUsers}`,
      `--changed ${options.changed}`,
      `--runs ${options.runs}`,
    ],
    memory: [`--memory-users ${options.memoryUsers.join(',')}`],
    history: [`--history-users ${options.historyUsers}`, `--changed ${options.changed}`],
    revoke: [`--revoke-changes ${options.revokeChanges}`, `--revoke-intervals ${options.revokeIntervals.join(',')}`],
  };
  const lanes =
    options.lanes === undefined || scenario === 'webhook' || scenario === 'revoke' ? [] : [`--lanes ${options.lanes}`];
  return ['npm run bench --', `--scenarios ${scenario}`, ...flags[scenario], ...lanes].join(' ');
}
