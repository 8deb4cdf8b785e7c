import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { jsonOf, runCli } from '../fixtures/cli';
import { waitUntil } from '../fixtures/stack';

const bin = join(import.meta.dirname, '../../bin/descope-sync.js');

function descendants(pid: number): number[] {
  try {
    const children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
    return children.flatMap((c) => [c, ...descendants(c)]);
  } catch {
    return [];
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the main job in one command (descope-sync dev)', () => {
  it('runs the demo to "backfill completed", applies a webhook round trip, and Ctrl-C leaves no process behind', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'descope-sync-dev-'));
    const demoState = join(dataDir, 'demo.json');
    const child = spawn(process.execPath, [bin, 'dev', '--users', '300', '--activity', '120', '--data-dir', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        WEBHOOK_PORT: '0',
        METRICS_PORT: '0',
        LOG_LEVEL: 'warn',
        MONGODB_URI: '',
        DESCOPE_SYNC_DEMO_STATE: demoState,
      },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitUntil('backfill completed', async () => output.includes('backfill completed'), 180_000);
      expect(output).toMatch(/DEMO MODE/);
      expect(output).toMatch(/Temporal Web UI: http:\/\/127\.0\.0\.1:\d+/);
      const emulatorUrl = /emulator at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
      const mongoUri = /MongoDB: (mongodb:\/\/\S+) \(local FerretDB\)/.exec(output)![1]!;

      const users = (await (await fetch(`${emulatorUrl}/_emulator/users?limit=1`)).json()) as {
        users: { userId: string }[];
      };
      const userId = users.users[0]!.userId;
      const patched = await fetch(`${emulatorUrl}/_emulator/users/${userId}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Round Trip' }),
      });
      expect(patched.status).toBe(200);
      const mongo = await MongoClient.connect(mongoUri);
      try {
        const doc = await waitUntil(
          'the webhook round trip',
          async () => {
            const found = await mongo.db('descope_sync').collection('users').findOne({ userId });
            return found?.name === 'Round Trip' ? found : undefined;
          },
          60_000,
        );
        expect(doc._sync.source).toBe('event');
      } finally {
        await mongo.close();
      }

      // A second terminal with nothing exported: the CLI reaches the running demo.
      const clean = Object.fromEntries(
        Object.keys(process.env)
          .filter((k) => /^(DESCOPE_|MONGODB_|TEMPORAL_|WEBHOOK_)/.test(k))
          .map((k) => [k, undefined]),
      );
      const status = await runCli(undefined, ['status', '--json'], { ...clean, DESCOPE_SYNC_DEMO_STATE: demoState });
      expect(status.stderr).toContain('using the running demo');
      expect(jsonOf<{ users: { live: number } }>(status).users.live).toBeGreaterThanOrEqual(300);
      // --activity keeps changing users on the emulator: the audit log grows on its own.
      const audited = async () =>
        ((await (await fetch(`${emulatorUrl}/_emulator/audit`)).json()) as { audits?: unknown[] }).audits?.length ?? 0;
      const before = await audited();
      await waitUntil('the demo activity to change a user', async () => (await audited()) > before, 10_000);

      const spawned = descendants(child.pid!);
      expect(spawned.length).toBeGreaterThanOrEqual(2); // the Temporal dev server and FerretDB
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      await waitUntil('every child process to exit', async () => spawned.every((pid) => !alive(pid)), 15_000);
      expect(existsSync(demoState)).toBe(false); // the record goes with the demo
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 300_000);
});
