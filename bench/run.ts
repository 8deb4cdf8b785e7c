/**
 * `npm run bench`: the product's scenarios on the real stack (Temporal dev server, FerretDB or MONGODB_URI, the
 * Descope emulator), separate from the tests. Writes bench/results/latest.{json,md} and backfill.svg.
 */
import { setMaxListeners } from 'node:events';
import { join, resolve } from 'node:path';
import { machineFacts } from './machine';
import { DEFAULTS, parseOptions, USAGE, UsageError, type ScenarioName } from './options';
import { writeReadmeSection } from './report/readme';
import { writeResults } from './report/write';
import { FERRETDB_CAVEAT, type BenchReport } from './report/types';
import type { Scenario, ScenarioResult } from './scenario';
import { backfillScenario } from './scenarios/backfill';
import { historyScenario } from './scenarios/history';
import { memoryScenario } from './scenarios/memory';
import { rateLimitScenario } from './scenarios/rateLimit';
import { reconcileScenario } from './scenarios/reconcile';
import { revokeScenario } from './scenarios/revoke';
import { webhookScenario } from './scenarios/webhook';
import { startBenchServers } from './servers';
import { round } from './stats';

const README = join(import.meta.dirname, '..', 'README.md');

const SCENARIO: Record<ScenarioName, Scenario> = {
  backfill: backfillScenario,
  ratelimit: rateLimitScenario,
  webhook: webhookScenario,
  reconcile: reconcileScenario,
  memory: memoryScenario,
  history: historyScenario,
  revoke: revokeScenario,
};

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  // Each event of a delivery adds an abort listener to the delivery's signal while its workflow starts (up to
  // WEBHOOK_MAX_EVENTS): Node's leak warning would flood the output without anything leaking.
  setMaxListeners(1000);
  const log = (line: string) => console.log(line);
  const started = performance.now();
  const machine = machineFacts();
  log(`descope-sync bench: ${options.scenarios.join(', ')} on ${machine.cores} cores, Node ${machine.node}`);
  const servers = await startBenchServers((line) => log(`[servers] ${line}`));
  const stopOnSignal = () => void servers.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  const results: ScenarioResult[] = [];
  try {
    for (const name of options.scenarios) {
      log(`\n== ${name}`);
      const result = await SCENARIO[name]({ servers, options, log });
      results.push(result);
      printResult(result, log);
    }
  } finally {
    await servers.stop();
  }
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    command: ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
    machine: { ...machine, loadavgEnd: machineFacts().loadavg },
    mongo: { kind: servers.mongoKind, caveat: servers.mongoKind === 'ferretdb' ? FERRETDB_CAVEAT : null },
    options,
    durationSeconds: round((performance.now() - started) / 1000),
    scenarios: Object.fromEntries(results.map((r) => [r.name, r])),
  };
  const files = writeResults(options.out, report);
  log(`\nWrote ${files.join(', ')} in ${report.durationSeconds} s.`);
  // The committed results and the README's table are one run: writing one rewrites the other.
  if (resolve(options.out) === resolve(DEFAULTS.out) && writeReadmeSection(README, report)) {
    log('Rewrote the benchmark table in README.md from this run.');
  }
  return 0;
}

function printResult(result: ScenarioResult, log: (line: string) => void): void {
  log(`${result.title}`);
  for (const [figure, value] of Object.entries(result.figures)) log(`  ${figure}: ${value}`);
  for (const t of result.targets) log(`  target ${t.figure} ${t.goal}: ${t.met ? 'met' : 'NOT met'}`);
  log(`  reproduce: ${result.command}`);
}

// The entry point owns the process: Temporal's native runtime would otherwise keep it alive after the run.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const usage = error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
    console.error(
      `bench: ${error instanceof Error ? (usage ? error.message : (error.stack ?? error.message)) : String(error)}`,
    );
    if (usage) console.error(USAGE);
    process.exit(usage ? 2 : 1);
  },
);
