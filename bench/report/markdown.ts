import type { ScenarioResult } from '../scenario';
import type { BenchReport } from './types';

/** latest.md: machine facts, the headline figures against their targets, then each scenario's table. */
export function markdownReport(report: BenchReport, chartFile: string | undefined): string {
  const m = report.machine;
  const lines = [
    '# descope-sync benchmarks',
    '',
    `Generated ${report.generatedAt} by \`${report.command}\` in ${report.durationSeconds} s.`,
    '',
    `Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB memory, Node ${m.node}, ${m.os}; ` +
      `load average ${m.loadavg.join(' / ')} at the start, ${m.loadavgEnd.join(' / ')} at the end. ` +
      `MongoDB: ${report.mongo.kind === 'ferretdb' ? 'local FerretDB v1 (SQLite)' : 'MONGODB_URI'}.`,
    '',
  ];
  if (report.mongo.caveat) lines.push(`> ${report.mongo.caveat}`, '');
  lines.push('## Targets', '', table(['scenario', 'figure', 'value', 'target', 'met'], targetRows(report)), '');
  for (const result of Object.values(report.scenarios)) {
    lines.push(...scenarioSection(result));
    if (result.name === 'backfill') lines.push(...stagesSection(result), ...(chartFile ? chart(chartFile) : []));
  }
  return lines.join('\n');
}

function targetRows(report: BenchReport): (string | number)[][] {
  return Object.values(report.scenarios).flatMap((r) =>
    r.targets.map((t) => [r.name, t.figure, r.figures[t.figure] ?? '', t.goal, t.met ? 'yes' : '**no**']),
  );
}

function scenarioSection(result: ScenarioResult): string[] {
  const figures = Object.entries(result.figures).map(([k, v]) => `\`${k}\` ${v}`);
  return [
    `## ${result.title}`,
    '',
    `Reproduce: \`${result.command}\``,
    '',
    table(result.table.columns, result.table.rows),
    '',
    `Figures: ${figures.join(', ')}.`,
    '',
    ...result.notes.map((n) => `- ${n}`),
    '',
  ];
}

function stagesSection(result: ScenarioResult): string[] {
  const stages = result.details.stages as { raw: Record<string, number>; product: Record<string, number> } | undefined;
  if (!stages) return [];
  const rows = [
    ...Object.entries(stages.raw).map(([k, v]) => ['raw loop', k, v]),
    ...Object.entries(stages.product).map(([k, v]) => ['product (from the workflow history)', k, v]),
  ];
  return ['Where a page of 100 users goes (ms per page, the median run):', '', table(['', 'stage', 'ms'], rows), ''];
}

function chart(file: string): string[] {
  return [`![Backfill throughput, users/s per second](${file})`, ''];
}

function table(columns: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(columns), line(columns.map(() => '---')), ...rows.map(line)].join('\n');
}
