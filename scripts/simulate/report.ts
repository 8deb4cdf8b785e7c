import { readFileSync } from 'node:fs';
import type { SeedSummary } from './run';

/**
 * `npx tsx scripts/simulate/report.ts simulate.jsonl`: the JSON lines of `npm run simulate` as a Markdown
 * section for RELIABILITY.md: seeds and steps run, faults by kind as the simulation counted them, divergences.
 */
export function simulationSection(summaries: SeedSummary[]): string {
  const faults = new Map<string, number>();
  for (const s of summaries) for (const [k, n] of Object.entries(s.injected)) faults.set(k, (faults.get(k) ?? 0) + n);
  const failed = summaries.filter((s) => !s.ok);
  const seconds = summaries.map((s) => s.seconds);
  return [
    '## Simulation',
    '',
    `${summaries.length} seeds (${summaries.map((s) => s.seed).join(', ')}), ${summaries.reduce((a, s) => a + s.stepsRun, 0)} steps in all; ${failed.length} broke an invariant. Seconds per seed: ${Math.min(...seconds)}-${Math.max(...seconds)}.`,
    '',
    '| injected | count |',
    '| --- | ---: |',
    ...[...faults].sort().map(([k, n]) => `| ${k} | ${n} |`),
    '',
    '| seed | steps | invariant | detail | broke after step |',
    '| ---: | ---: | --- | --- | ---: |',
    ...failed.flatMap((s) =>
      s.divergences.map(
        (d) => `| ${s.seed} | ${s.steps} | ${d.invariant} | ${d.detail.replace(/\|/g, '/')} | ${d.afterStep} |`,
      ),
    ),
    '',
  ].join('\n');
}

function readSummaries(file: string): SeedSummary[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{"simulation"'))
    .map((line) => (JSON.parse(line) as { simulation: SeedSummary }).simulation);
}

if (process.argv[1]?.endsWith('report.ts'))
  console.log(simulationSection(readSummaries(process.argv[2] ?? '/dev/stdin')));
