/**
 * `npm run bench:readme`: writes the README's benchmark table from the committed run (bench/results/latest.json),
 * so the README states only what that run measured.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeReadmeSection } from './report/readme';
import type { BenchReport } from './report/types';

const root = join(import.meta.dirname, '..');
const report = JSON.parse(readFileSync(join(root, 'bench/results/latest.json'), 'utf8')) as BenchReport;
const changed = writeReadmeSection(join(root, 'README.md'), report);
console.log(
  changed ? 'README.md: benchmark table rewritten from bench/results/latest.json.' : 'README.md: up to date.',
);
