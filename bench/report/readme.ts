import { readFileSync, writeFileSync } from 'node:fs';
import type { BenchReport } from './types';

export const README_START =
  '<!-- bench-table:start (generated from bench/results/latest.json: npm run bench:readme) -->';
export const README_END = '<!-- bench-table:end -->';

/** The README's figures: every target of the committed run, its value and the command that reproduces it. */
export function readmeSection(report: BenchReport): string {
  const m = report.machine;
  const mongo = report.mongo.kind === 'ferretdb' ? 'FerretDB v1 (SQLite)' : 'MongoDB (MONGODB_URI)';
  const minutes = Math.round(report.durationSeconds / 60);
  const lines = [
    `Run of ${report.generatedAt.slice(0, 10)}: \`${report.command}\`, ${minutes} minutes on ${m.cores} cores, ` +
      `${mongo}, Temporal dev server; load average ${m.loadavg.join(' / ')} at the start.`,
    '',
    '| scenario | figure | value | target | met | reproduce |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const result of Object.values(report.scenarios)) {
    for (const target of result.targets) {
      const value = result.figures[target.figure] ?? '';
      const met = target.met ? 'yes' : '**no**';
      lines.push(`| ${result.name} | ${target.figure} | ${value} | ${target.goal} | ${met} | \`${result.command}\` |`);
    }
  }
  return lines.join('\n');
}

/** Replaces the text between the README's markers with the section for `report`; false when unchanged. */
export function writeReadmeSection(readmePath: string, report: BenchReport): boolean {
  const readme = readFileSync(readmePath, 'utf8');
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`${readmePath} has no bench table markers (${README_START})`);
  const next = `${readme.slice(0, start + README_START.length)}\n${readmeSection(report)}\n${readme.slice(end)}`;
  if (next === readme) return false;
  writeFileSync(readmePath, next);
  return true;
}
