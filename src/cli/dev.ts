import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { WORKFLOW_TYPES, progressQuery, workflowIds } from '../../workflows/messages';
import { startEmulator, type RunningEmulator } from '../emulator';
import { cacheDir, startLocalServers } from '../servers';
import { freePort } from '../servers/process';
import { parseFlags } from './args';
import { renderProgress } from './progress';
import { runWebhook } from './webhook';
import { runWorker } from './worker';
import type { Config } from '../config';
import type { DescopeTarget } from '../runtime';
import type { Command } from './commands';

export const devCommand: Command = {
  summary: 'The main job on local defaults: servers, worker, webhook, schedules and a backfill.',
  help: `descope-sync dev [--users N] [--data-dir DIR]

Starts the Temporal dev server (Web UI, persistent history), FerretDB (unless MONGODB_URI is set), the
worker and the webhook server, applies the schedules and starts a backfill. With DESCOPE_PROJECT_ID and
DESCOPE_MANAGEMENT_KEY it syncs that project; without them it runs a DEMO on the local Descope emulator,
seeded with sample users, whose audit webhooks go to the local endpoint. Ctrl-C stops everything.`,
  async run(ctx) {
    const { values } = parseFlags(ctx.argv, {
      users: { type: 'string', default: '2000' },
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
      }
      const running: Promise<unknown>[] = [runWorker(config, target, ctx.logger, ctx.signal)];
      if (config.webhook.auth) running.push(runWebhook(config, target, ctx.logger, ctx.signal));
      say(
        `Temporal Web UI: ${servers.temporal.uiUrl} (namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue})`,
      );
      // A URI from the environment may carry credentials: only the local server's address is printed.
      const mongo = servers.mongo ? `${servers.mongo.uri} (local FerretDB)` : 'MONGODB_URI';
      say(`Temporal: ${servers.temporal.address}; MongoDB: ${mongo}, database ${config.mongo.db}`);
      running.push(followBackfill(config, target, say, ctx.signal));
      await Promise.all(running);
      say('Stopped.');
      return 0;
    } finally {
      await emulator?.close();
      await servers.stop();
    }
  },
};

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
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => void freePort().then(resolve));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(port)));
  });
}
