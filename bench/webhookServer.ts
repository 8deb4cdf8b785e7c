import { randomUUID } from 'node:crypto';
import { freePort } from '../src/servers/process';
import { UNLIMITED_RPM } from './rig';
import type { Rig, Run } from './rig';
import type { BenchServers } from './servers';
import { spawnProduct, spawnWorker, type WorkerProcess } from './workerProcess';

export interface BenchWebhook {
  url: string;
  post(body: unknown): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The product as it is deployed: the `webhook` command (Express app and Temporal sink, bearer-authenticated)
 * and the `worker` command, each its own process, against the rig's emulator, Temporal and MongoDB.
 */
export async function startDeployment(rig: Rig, run: Run, servers: BenchServers): Promise<BenchWebhook> {
  const token = `bench-${randomUUID()}`;
  const port = await freePort();
  const env = {
    DESCOPE_PROJECT_ID: rig.projectId,
    DESCOPE_MANAGEMENT_KEY: rig.emulator.managementKey,
    DESCOPE_BASE_URL: rig.emulator.url,
    MONGODB_URI: servers.mongoUri,
    MONGODB_DB: run.store.db.databaseName,
    TEMPORAL_ADDRESS: servers.temporalAddress,
    TEMPORAL_TASK_QUEUE: run.taskQueue,
    SCHEDULES_APPLY_ON_START: 'false',
    METRICS_PORT: '0',
    DESCOPE_SEARCH_RPM: String(UNLIMITED_RPM),
    DESCOPE_LOAD_RPM: String(UNLIMITED_RPM),
  };
  const processes: WorkerProcess[] = [];
  try {
    processes.push(await spawnWorker(env));
    processes.push(
      await spawnProduct(
        'webhook',
        { ...env, WEBHOOK_AUTH: 'bearer', WEBHOOK_TOKEN: token, WEBHOOK_HOST: '127.0.0.1', WEBHOOK_PORT: String(port) },
        'webhook listening',
      ),
    );
    await Promise.all(processes.map((p) => p.ready));
  } catch (error) {
    await Promise.all(processes.map((p) => p.stop()));
    throw error;
  }
  const url = `http://127.0.0.1:${port}/webhooks/descope`;
  return {
    url,
    post: (body) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      }),
    close: async () => {
      await Promise.all(processes.map((p) => p.stop()));
    },
  };
}
