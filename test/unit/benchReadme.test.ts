import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { README_END, README_START, readmeSection } from '../../bench/report/readme';
import type { BenchReport } from '../../bench/report/types';

const root = join(import.meta.dirname, '..', '..');

describe("the README's benchmark table", () => {
  it('is the committed run, target by target (npm run bench:readme rewrites it)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const report = JSON.parse(readFileSync(join(root, 'bench/results/latest.json'), 'utf8')) as BenchReport;
    const section = readme.slice(readme.indexOf(README_START) + README_START.length, readme.indexOf(README_END));
    expect(readme.indexOf(README_START)).toBeGreaterThan(0);
    expect(section.trim()).toBe(readmeSection(report));
    const targets = Object.values(report.scenarios).reduce((n, r) => n + r.targets.length, 0);
    const rows = section.split('\n').filter((line) => /^\| [a-z]+ \| [A-Za-z0-9]+ \|/.test(line));
    expect(rows.slice(1)).toHaveLength(targets);
  });
});
