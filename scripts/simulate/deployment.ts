import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { spawnProduct, type WorkerProcess } from '../../bench/workerProcess';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { freePort } from '../../src/servers/process';
import { MongoStore } from '../../src/store';
import { scheduleIds } from '../../src/temporal/schedules';
import type { SimOptions } from './options';
import type { SimServers } from './servers';

/**
 * One seed's deployment, as production runs it: the `worker` and `webhook` commands each their own process,
 * pointed by environment variables at the emulator (in this process, with its audit-webhook sender aimed at
 * the webhook), a fresh database and a fresh task queue. Reconciliation schedules exist but fire only when
 * the simulation triggers them.
 */
export interface Deployment {
  emulator: RunningEmulator;
  store: MongoStore;
  /** Replaced after a Temporal restart (see reconnect). */
  readonly client: Client;
  taskQueue: string;
  projectId: string;
  /** The environment every product process (and CLI command) of this deployment gets. */
  env: Record<string, string>;
  webhookUrl: string;
  webhookToken: string;
  killWorker(): Promise<void>;
  killWebhook(): Promise<void>;
  /** Product processes that exited without being killed by the simulation (a crash is a finding). */
  deadProcesses(): string[];
  /** After a server restart: a new Temporal connection for the simulation's own client. */
  reconnect(): Promise<void>;
  close(): Promise<void>;
}

export async function startDeployment(servers: SimServers, options: SimOptions): Promise<Deployment> {
  const tag = `${options.seed}x${randomUUID().replace(/-/g, '').slice(0, 8)}`;
  const emulator = await startEmulator({
    seed: options.seed,
    userCount: options.users,
    testUserCount: options.testUsers,
    rateLimits: false,
    projectId: `P2sim${tag}`,
  });
  const store = await MongoStore.connect(servers.mongoUri, `sim_${tag}`);
  await store.ensureIndexes();
  let connection = await Connection.connect({ address: servers.temporalAddress });
  let client = new Client({ connection });
  const taskQueue = `sim-${tag}`;
  const webhookPort = await freePort();
  const webhookToken = `sim-${randomUUID()}`;
  const env = productEnv(servers, emulator, store, taskQueue, options);
  const webhookEnv = {
    ...env,
    WEBHOOK_AUTH: 'bearer',
    WEBHOOK_TOKEN: webhookToken,
    WEBHOOK_HOST: '127.0.0.1',
    WEBHOOK_PORT: String(webhookPort),
  };
  const webhookUrl = `http://127.0.0.1:${webhookPort}/webhooks/descope`;
  let worker = await started(spawnProduct('worker', env, 'worker running'));
  let webhook = await started(spawnProduct('webhook', webhookEnv, 'webhook listening'));
  emulator.webhook.configure({
    enabled: true,
    url: webhookUrl,
    auth: { type: 'bearer', token: webhookToken },
    seed: options.seed,
  });
  const deployment: Deployment = {
    emulator,
    store,
    get client() {
      return client;
    },
    taskQueue,
    projectId: emulator.projectId,
    env,
    webhookUrl,
    webhookToken,
    async killWorker() {
      await killPid(worker.pid);
      worker = await started(spawnProduct('worker', env, 'worker running'));
    },
    deadProcesses() {
      const named: [string, WorkerProcess][] = [
        ['worker', worker],
        ['webhook', webhook],
      ];
      return named.filter(([, p]) => !isAlive(p.pid)).map(([name]) => name);
    },
    async killWebhook() {
      await killPid(webhook.pid);
      webhook = await started(spawnProduct('webhook', webhookEnv, 'webhook listening'));
    },
    async reconnect() {
      await connection.close().catch(() => {});
      connection = await Connection.connect({ address: servers.temporalAddress });
      client = new Client({ connection });
    },
    async close() {
      await Promise.all([worker.stop().catch(() => {}), webhook.stop().catch(() => {})]);
      await Promise.all(
        Object.values(scheduleIds(emulator.projectId)).map((id) =>
          client.schedule
            .getHandle(id)
            .delete()
            .catch(() => {}),
        ),
      );
      await connection.close().catch(() => {});
      await store.db.dropDatabase().catch(() => {});
      await store.close();
      await emulator.close();
    },
  };
  return deployment;
}

function productEnv(
  servers: SimServers,
  emulator: RunningEmulator,
  store: MongoStore,
  taskQueue: string,
  options: SimOptions,
): Record<string, string> {
  return {
    DESCOPE_PROJECT_ID: emulator.projectId,
    DESCOPE_MANAGEMENT_KEY: emulator.managementKey,
    DESCOPE_BASE_URL: emulator.url,
    DESCOPE_SEARCH_RPM: String(options.searchRpm),
    DESCOPE_LOAD_RPM: String(options.loadRpm),
    DESCOPE_TIMEOUT: '10s',
    MONGODB_URI: servers.mongoUri,
    MONGODB_DB: store.db.databaseName,
    TEMPORAL_ADDRESS: servers.temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    // The schedules exist (steps trigger them) but never fire by themselves within a run.
    SCHEDULES_APPLY_ON_START: 'true',
    RECONCILE_INTERVAL: '24h',
    FULL_SWEEP_INTERVAL: '24h',
    METRICS_PORT: '0',
    LOG_LEVEL: 'info',
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function started(spawning: Promise<WorkerProcess>): Promise<WorkerProcess> {
  const child = await spawning;
  await child.ready;
  return child;
}

/** SIGKILL a product process (a crash: no shutdown hooks) and wait until it is gone. */
async function killPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  for (let i = 0; i < 200 && isAlive(pid); i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
}
