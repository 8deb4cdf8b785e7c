import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { WORKFLOW_TYPES, progressQuery, workflowIds } from '../../workflows/messages';
import type { RunningEmulator } from '../emulator';
import { cacheDir } from '../servers/cache';
import { parseFlags } from './args';
import { renderProgress } from './progress';
import { runWebhook } from './webhook';
import { runWorker } from './worker';
import { clearDemoState, writeDemoState } from './demoState';
import { UsageError } from '../runtime';
import type { Config } from '../config';
import type { DescopeTarget } from '../runtime';
import type { Command } from './commands';

export const devCommand: Command = {
  summary: 'The main job on local defaults: servers, worker, webhook, schedules and a backfill.',
  help: `descope-sync dev [--users N] [--activity PER_MINUTE] [--data-dir DIR]

Starts the Temporal dev server (Web UI, persistent history), FerretDB (unless MONGODB_URI is set), the
worker and the webhook server, applies the schedules and starts a backfill. With DESCOPE_PROJECT_ID and
DESCOPE_MANAGEMENT_KEY it syncs that project; without them it runs a DEMO on the local Descope emulator,
seeded with sample users, whose audit webhooks go to the local endpoint; --activity keeps that many user
changes a minute going (creates, edits, disables, deletes) so webhooks and reconciliation show in the Web UI.
While it runs, every other command in another terminal reaches it with nothing exported. Ctrl-C stops
everything.`,
  async run(ctx) {
    // Imported when run: the emulator and the server builders are not part of the production build.
    const { startEmulator } = await import('../emulator');
    const { startLocalServers } = await import('../servers');
    const { freePort } = await import('../servers/process');
    const { values } = parseFlags(ctx.argv, {
      users: { type: 'string', default: '2000' },
      activity: { type: 'string', default: '0' },
      'data-dir': { type: 'string', default: join(cacheDir(), 'data', 'dev') },
    });
    const say = (line: string) => console.log(`[dev] ${line}`);
    const servers = await startLocalServers({
      dataDir: values['data-dir'],
      mongoUri: process.env.MONGODB_URI || undefined,
      persistent: true,
      ui: true,
      temporalPort: await preferred(7233),
      uiPort: await preferred(8233),
      log: say,
    });
    let emulator: RunningEmulator | undefined;
    try {
      // The emulator's sender needs the real port before the server listens: resolve 0 (any) to a free one.
      const webhookPort = ctx.config.webhook.port === 0 ? await freePort() : await preferred(ctx.config.webhook.port);
      const config: Config = {
        ...ctx.config,
        temporal: { ...ctx.config.temporal, address: servers.temporal.address },
        mongo: { ...ctx.config.mongo, uri: servers.mongoUri },
        webhook: { ...ctx.config.webhook, port: webhookPort, host: '127.0.0.1' },
        // A second demo on one machine must not stop on a taken metrics port: take the next free one.
        metricsPort: ctx.config.metricsPort === 0 ? 0 : await preferred(ctx.config.metricsPort),
      };
      let target: DescopeTarget;
      if (ctx.config.descope.projectId && ctx.config.descope.managementKey) {
        target = {
          projectId: ctx.config.descope.projectId,
          managementKey: ctx.config.descope.managementKey,
          baseUrl: ctx.config.descope.baseUrl,
        };
        if (!config.webhook.auth) say('WEBHOOK_AUTH is not set: the webhook server is not started.');
      } else {
        const token = randomBytes(24).toString('base64url');
        config.webhook = { ...config.webhook, auth: 'bearer', token };
        emulator = await startEmulator({
          seed: 1,
          userCount: Number(values.users),
          webhook: { url: `http://127.0.0.1:${webhookPort}${config.webhook.path}`, auth: { type: 'bearer', token } },
        });
        target = { projectId: emulator.projectId, managementKey: emulator.managementKey, baseUrl: emulator.url };
        config.descope = { ...config.descope, ...target };
        say(
          `DEMO MODE: syncing the local Descope emulator at ${emulator.url} (${values.users} sample users), not a real project.`,
        );
        say(
          `  Change users through its admin API or the SDK; its audit webhooks go to http://127.0.0.1:${webhookPort}${config.webhook.path}.`,
        );
        say(
          `  Emulator project id ${emulator.projectId}, management key ${emulator.managementKey} (local and made up).`,
        );
      }
      const perMinute = Number(values.activity);
      if (!Number.isFinite(perMinute) || perMinute < 0 || perMinute > 600)
        throw new UsageError(`--activity must be a number of changes a minute from 0 to 600, got "${values.activity}"`);
      const statePath = writeDemoState({ pid: process.pid, env: reachableSettings(config, servers, emulator) });
      say(`Other terminals: every descope-sync command reaches this run with nothing exported (${statePath}).`);
      const stopActivity = emulator && perMinute > 0 ? startActivity(emulator, perMinute, say) : undefined;
      const running = new Map<string, Promise<unknown>>([
        ['worker', runWorker(config, target, ctx.logger, ctx.signal)],
      ]);
      if (config.webhook.auth) running.set('webhook server', runWebhook(config, target, ctx.logger, ctx.signal));
      say(
        `Temporal Web UI: ${servers.temporal.uiUrl} (namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue})`,
      );
      // A URI from the environment may carry credentials: only the local server's address is printed.
      const mongo = servers.mongo ? `${servers.mongo.uri} (local FerretDB)` : 'MONGODB_URI';
      say(`Temporal: ${servers.temporal.address}; MongoDB: ${mongo}, database ${config.mongo.db}`);
      if (config.metricsPort > 0) say(`Worker metrics: http://127.0.0.1:${config.metricsPort}/metrics`);
      if (config.auditFeed.intervalMs > 0) {
        say(
          `Audit feed ${workflowIds.auditFeed(target.projectId)} reads audit search every ${config.auditFeed.intervalMs / 1000} s (AUDIT_FEED_INTERVAL); pause/resume it from the Web UI.`,
        );
      }
      running.set('backfill follower', followBackfill(config, target, say, ctx.signal));
      ctx.signal.addEventListener('abort', () => stopActivity?.(), { once: true });
      try {
        await allNamed(running, ctx.signal, say);
      } finally {
        stopActivity?.();
        clearDemoState(process.pid);
      }
      say('Stopped.');
      return 0;
    } finally {
      if (ctx.signal.aborted) say('Stopping the emulator and the local servers.');
      await emulator?.close();
      await servers.stop();
    }
  },
};

/**
 * Waits for every part; once stopping, says every 10 s which parts are still stopping, so a shutdown that
 * takes long names what it waits for instead of hanging silently.
 */
async function allNamed(parts: Map<string, Promise<unknown>>, signal: AbortSignal, say: (line: string) => void) {
  const pending = new Set(parts.keys());
  for (const [name, part] of parts) void part.finally(() => pending.delete(name)).catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const report = () => {
    say('Stopping: the worker finishes its tasks in flight (up to 30 s), then the servers stop.');
    timer = setInterval(() => say(`Still stopping: ${[...pending].join(', ')}`), 10_000);
    timer.unref();
  };
  if (signal.aborted) report();
  else signal.addEventListener('abort', report, { once: true });
  try {
    await Promise.all(parts.values());
  } finally {
    signal.removeEventListener('abort', report);
    clearInterval(timer);
  }
}

async function followBackfill(config: Config, target: DescopeTarget, say: (line: string) => void, signal: AbortSignal) {
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const handle = await client.workflow.start(WORKFLOW_TYPES.backfill, {
      taskQueue: config.temporal.taskQueue,
      workflowId: workflowIds.backfill(target.projectId),
      args: [{}],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    say(
      `Backfill ${handle.workflowId} started. Pause/resume it from the Web UI (signals pause, resume; query progress).`,
    );
    while (!signal.aborted) {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') {
        say(`backfill ${description.status.name.toLowerCase()}`);
        break;
      }
      say(renderProgress(await handle.query(progressQuery), false));
      await new Promise((r) => setTimeout(r, 2000));
    }
    if (!signal.aborted) say('Following webhooks and schedules. Press Ctrl-C to stop everything.');
  } finally {
    await connection.close();
  }
}

async function preferred(port: number): Promise<number> {
  const { createServer } = await import('node:net');
  const { freePort } = await import('../servers/process');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => void freePort().then(resolve));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(port)));
  });
}

/**
 * The settings another terminal needs to reach this run. Nothing secret of a real project: a MONGODB_URI from
 * the environment (it may carry credentials) and a real project's key are left out, so there the environment
 * must still say them.
 */
function reachableSettings(
  config: Config,
  servers: { mongo?: unknown },
  emulator: RunningEmulator | undefined,
): Record<string, string> {
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: config.temporal.address,
    TEMPORAL_NAMESPACE: config.temporal.namespace,
    TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
    MONGODB_DB: config.mongo.db,
  };
  if (servers.mongo) env.MONGODB_URI = config.mongo.uri;
  if (emulator) {
    env.DESCOPE_PROJECT_ID = emulator.projectId;
    env.DESCOPE_MANAGEMENT_KEY = emulator.managementKey;
    env.DESCOPE_BASE_URL = emulator.url;
  } else if (config.descope.projectId) {
    env.DESCOPE_PROJECT_ID = config.descope.projectId;
  }
  return env;
}

/** A steady trickle of user changes on the demo's emulator; returns the function that stops it. */
function startActivity(emulator: RunningEmulator, perMinute: number, say: (line: string) => void): () => void {
  let n = 0;
  const timer = setInterval(() => {
    n += 1;
    const users = emulator.users.all();
    const pick = users[(n * 7919) % Math.max(users.length, 1)];
    const kind = n % 10;
    if (!pick || kind < 3)
      emulator.users.create({ email: `activity-${Date.now()}-${n}@example.com`, name: `Activity ${n}` });
    else if (kind < 8)
      emulator.users.update(pick.userId, { name: `Edited ${n}`, status: kind === 7 ? 'disabled' : 'enabled' });
    else emulator.users.delete(pick.userId);
  }, 60_000 / perMinute);
  timer.unref();
  say(`Activity: ${perMinute} user changes a minute on the emulator (creates, edits, disables, deletes).`);
  return () => clearInterval(timer);
}
