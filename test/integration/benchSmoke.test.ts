import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../bench/options';
import type { BenchReport } from '../../bench/report/types';

const root = join(import.meta.dirname, '../..');

/** Figures each scenario must report as positive numbers (the rest may be 0, such as a count of 429s). */
const HEADLINE: Record<(typeof SCENARIOS)[number], string[]> = {
  backfill: ['productUsersPerSecond', 'rawUsersPerSecond', 'productToRawRatio', 'productRequests'],
  ratelimit: ['budgetUtilisation', 'requestsMade', 'requestsAllowed', 'usersPerSecond'],
  webhook: [
    'singleAcksPerSecondBest',
    'batchAcksPerSecondBest',
    'appliedPerSecondMedian',
    'lagReceivedP50MsLight',
    'lagReceivedP50MsSteady',
    'serverStartP99MsAt16',
    'serverStartsPerSecond',
  ],
  reconcile: ['searchRequests', 'seconds', 'usersApplied', 'completedRuns'],
  memory: [
    'backfillPeakRssMiB_200',
    'backfillPeakRssMiB_400',
    'lifetimePeakRssMiB_400',
    'backfillPeakRssMiB_capped_400',
    'backfillPeakGrowth',
    'backfillPeakGrowthDefaultHeap',
  ],
  history: ['changedUserHistoryMs', 'changedUserWriteMs', 'versionsPerChangedUser'],
  // The smoke run times its changes at a 6 s feed interval only (the default, 1m, takes minutes; 6 s is Descope's
  // 10 audit searches a minute).
  revoke: ['medianSeconds_6s', 'worstSeconds_6s', 'auditRequestsPerMinute_6s'],
};

function runBench(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // The bench starts its own servers, apart from the ones the integration setup shares.
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('the benchmarks (npm run bench) at tiny sizes', () => {
  const out = mkdtempSync(join(tmpdir(), 'descope-sync-bench-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('run every scenario on the real stack and write positive figures, a Markdown table and the chart', async () => {
    const { code, output } = await runBench([
      ...['--users', '300', '--reconcile-users', '200', '--ratelimit-users', '200', '--changed', '20'],
      ...['--history-users', '200'],
      ...['--events', '60', '--memory-users', '200,400', '--runs', '1', '--out', out],
      ...['--revoke-changes', '2', '--revoke-intervals', '6s'],
    ]);
    expect(code, output.slice(-4000)).toBe(0);

    const report = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as BenchReport;
    expect(Object.keys(report.scenarios).sort()).toEqual([...SCENARIOS].sort());
    for (const name of SCENARIOS) {
      const result = report.scenarios[name]!;
      for (const value of Object.values(result.figures)) expect(Number.isFinite(value), name).toBe(true);
      for (const figure of HEADLINE[name]) expect(result.figures[figure], `${name}.${figure}`).toBeGreaterThan(0);
      expect(output).toContain(result.command);
    }
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.loadavg).toHaveLength(3);

    const markdown = readFileSync(join(out, 'latest.md'), 'utf8');
    for (const name of SCENARIOS) expect(markdown).toContain(report.scenarios[name]!.command);
    expect(existsSync(join(out, 'backfill.svg'))).toBe(true);
    expect(readFileSync(join(out, 'backfill.svg'), 'utf8')).toMatch(/<polyline [^>]*points="[\d., ]+"/);
  }, 420_000);
});
