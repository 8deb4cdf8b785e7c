import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildProduction } from '../../scripts/build';
import { freePort } from '../../src/servers/process';
import { startStack, waitUntil, type Stack } from '../fixtures/stack';
import { killed } from '../fixtures/workerProcess';

/**
 * No Docker daemon here: this is the image's runtime stage without Docker. A folder holding ONLY the production
 * output and package.json/package-lock.json, production dependencies installed as the Dockerfile does, and the
 * `worker` and `webhook` commands run from it against the test run's Temporal and MongoDB, with the emulator
 * standing in for Descope.
 */

const root = join(import.meta.dirname, '../..');
const devOnlyPackages = ['tsx', 'vitest', 'esbuild', 'typescript', '@temporalio/testing', 'fast-check', 'eslint'];
/** Names only the emulator's and the server builders' code holds (the commands' lazy imports name others). */
const devOnlyCode = ['createEmulatorApp', 'buildEmulator', 'adminRouter', 'goBuildOnce', 'startFerretDb'];

let dir: string;
let stack: Stack | undefined;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'descope-sync-production-'));
  const started = Date.now();
  await buildProduction(join(dir, 'dist'));
  const built = Date.now();
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(root, file), join(dir, file));
  // As in the Dockerfile's runtime stage; the local npm cache answers most of it.
  const install = spawnSync(
    'npm',
    ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: dir, encoding: 'utf8', timeout: 150_000 },
  );
  if (install.status !== 0) throw new Error(`npm ci --omit=dev failed:\n${install.stderr}`);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(`[production] build ${seconds(built - started)}, npm ci --omit=dev ${seconds(Date.now() - built)}`);
}, 240_000);

afterAll(async () => {
  for (const child of children) await killed(child);
  await stack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the production output', () => {
  it('holds the CLI and the prebuilt workflow bundle, and no emulator or server-builder code', () => {
    expect(readdirSync(join(dir, 'dist')).sort()).toEqual([
      'descope-sync.js',
      'descope-sync.js.map',
      'healthcheck.js',
      'workflows.js',
    ]);
    const cli = readFileSync(join(dir, 'dist/descope-sync.js'), 'utf8');
    const present = devOnlyCode.filter((name) => cli.includes(name));
    expect(present, 'development-only code in dist/descope-sync.js').toEqual([]);
    // The workflow bundle is webpack's output of workflows/index.ts: it registers the product's workflows.
    expect(readFileSync(join(dir, 'dist/workflows.js'), 'utf8')).toContain('backfillUsers');
  });

  it('installs no development dependency', () => {
    const installed = devOnlyPackages.filter((name) => existsSync(join(dir, 'node_modules', name)));
    expect(installed).toEqual([]);
    expect(existsSync(join(dir, 'node_modules/@temporalio/worker')), 'production dependencies installed').toBe(true);
  });

  it('answers dev, emulator and servers with exit 2: not part of the production build', async () => {
    const commands = [['dev'], ['emulator'], ['servers', 'build']];
    const results = await Promise.all(commands.map((args) => run(args)));
    for (const [i, r] of results.entries()) {
      const name = commands[i]?.[0] ?? '';
      expect({ name, code: r.code }).toEqual({ name, code: 2 });
      expect(r.stderr).toContain(`${name} is not part of the production build`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('runs worker and webhook from that folder: a webhook event lands in MongoDB', async () => {
    stack = await startStack({ emulator: { seed: 16, userCount: 20, testUserCount: 0 } });
    const [webhookPort, metricsPort] = [await freePort(), await freePort()];
    const token = `production-${Date.now()}`;
    const env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      DESCOPE_SYNC_DEMO_STATE: join(dir, 'no-demo.json'),
      DESCOPE_PROJECT_ID: stack.emulator.projectId,
      DESCOPE_MANAGEMENT_KEY: stack.emulator.managementKey,
      DESCOPE_BASE_URL: stack.emulator.url,
      MONGODB_URI: inject('mongoUri'),
      MONGODB_DB: stack.store.db.databaseName,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      SCHEDULES_APPLY_ON_START: 'false',
      METRICS_PORT: String(metricsPort),
      WEBHOOK_PORT: String(webhookPort),
      WEBHOOK_HOST: '127.0.0.1',
      WEBHOOK_AUTH: 'bearer',
      WEBHOOK_TOKEN: token,
      LOG_LEVEL: 'info',
    };
    const worker = start(['worker'], env);
    start(['webhook'], env);
    // The image's own HEALTHCHECK, as in each container (one of the two ports answers there).
    const healthy = (ports: { WEBHOOK_PORT: string; METRICS_PORT: string }) =>
      spawnSync(process.execPath, ['dist/healthcheck.js'], { cwd: dir, env: { PATH: env.PATH, ...ports } }).status ===
      0;
    await waitUntil(
      'the worker healthy',
      async () => healthy({ WEBHOOK_PORT: '0', METRICS_PORT: env.METRICS_PORT }),
      90_000,
      250,
    );
    await waitUntil(
      'the webhook ready',
      async () => healthy({ WEBHOOK_PORT: env.WEBHOOK_PORT, METRICS_PORT: '0' }),
      60_000,
      250,
    );

    // The worker loaded the prebuilt bundle: it says so, and it could not have bundled (no workflows/ here).
    expect(existsSync(join(dir, 'workflows'))).toBe(false);
    const loaded = worker.logs().find((line) => line.msg === 'workflow code');
    expect(loaded?.workflowBundle).toBe(join(dir, 'dist/workflows.js'));
    expect(worker.stderr()).not.toMatch(/Workflow bundle created|webpack/i);

    stack.emulator.webhook.configure({
      enabled: true,
      url: `http://127.0.0.1:${webhookPort}/webhooks/descope`,
      auth: { type: 'bearer', token },
      delayMs: 10,
    });
    const user = stack.emulator.users.create({ email: 'production@example.com', name: 'From the image' });
    await stack.emulator.webhook.flush();
    expect(stack.emulator.webhook.stats().acked).toBeGreaterThan(0);
    const stored = await waitUntil(
      'the user in MongoDB',
      async () => (await stack!.store.users.findOne({ _id: user.userId })) ?? undefined,
      60_000,
      200,
    );
    expect(stored).toMatchObject({ name: 'From the image', email: 'production@example.com' });
  }, 180_000);
});

/** `node dist/descope-sync.js <args>` from the production folder, to its end. */
function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['dist/descope-sync.js', ...args], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

interface Running {
  child: ChildProcess;
  logs(): Record<string, unknown>[];
  stderr(): string;
}

/** `node dist/descope-sync.js <args>` from the production folder, its JSON log lines collected. */
function start(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, ['dist/descope-sync.js', ...args], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.once('exit', (code) => {
    if (code !== null && code !== 0) console.error(`descope-sync ${args.join(' ')} exited ${code}:\n${stderr}`);
  });
  const logs = () =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { child, logs, stderr: () => stderr };
}
