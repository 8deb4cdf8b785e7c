import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownReport } from './markdown';
import { lineChart } from './svg';
import type { BenchReport } from './types';

const CHART = 'backfill.svg';

/** Writes latest.json, latest.md and, when the backfill ran, its throughput chart; returns the paths. */
export function writeResults(dir: string, report: BenchReport): string[] {
  mkdirSync(dir, { recursive: true });
  const written = [join(dir, 'latest.json'), join(dir, 'latest.md')];
  const timeline = report.scenarios.backfill?.details.timeline as { product: number[]; raw: number[] } | undefined;
  if (timeline) {
    const svg = lineChart(`Backfill of ${report.options.users} users: users written per second`, 'users/s', [
      { label: 'product (backfillUsers workflow)', color: '#2563eb', values: timeline.product },
      { label: 'raw loop (search + insertMany)', color: '#9ca3af', values: timeline.raw },
    ]);
    writeFileSync(join(dir, CHART), svg);
    written.push(join(dir, CHART));
  }
  writeFileSync(written[0]!, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(written[1]!, markdownReport(report, timeline ? CHART : undefined) + '\n');
  return written;
}
