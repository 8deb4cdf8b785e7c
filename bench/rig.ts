import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createDescopeApi, type DescopeApi } from '../src/descope/api';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../src/emulator';
import { SyncMetrics } from '../src/metrics';
import { MongoStore } from '../src/store';
import { createWorkers } from '../src/temporal/worker';
import type { BenchServers } from './servers';

/** Requests per minute high enough that the task-queue limiter never bounds a scenario that is not about it. */
export const UNLIMITED_RPM = 1_000_000;

export interface Rig {
  emulator: RunningEmulator;
  descope: DescopeApi;
  client: Client;
  projectId: string;
  /** A fresh database and a worker on a fresh task queue, for one measured run. */
  openRun(options?: { searchRpm?: number; loadRpm?: number; worker?: boolean }): Promise<Run>;
  close(): Promise<void>;
}

export interface Run {
  store: MongoStore;
  taskQueue: string;
  close(): Promise<void>;
}

/** One scenario's wiring: the emulator and a Temporal client, plus fresh databases and workers on demand. */
export async function startRig(servers: BenchServers, emulatorOptions: EmulatorOptions): Promise<Rig> {
  const emulator = await startEmulator({ rateLimits: false, ...emulatorOptions });
  const connection = await Connection.connect({ address: servers.temporalAddress });
  const client = new Client({ connection });
  const descope = createDescopeApi({
    projectId: emulator.projectId,
    managementKey: emulator.managementKey,
    baseUrl: emulator.url,
    timeoutMs: 30_000,
  });
  const runs = new Set<Run>();
  return {
    emulator,
    descope,
    client,
    projectId: emulator.projectId,
    async openRun(options = {}) {
      const run = await openRun(servers, descope, emulator.projectId, options);
      runs.add(run);
      return {
        ...run,
        close: async () => {
          runs.delete(run);
          await run.close();
        },
      };
    },
    async close() {
      for (const run of runs) await run.close();
      await connection.close();
      await emulator.close();
    },
  };
}

async function openRun(
  servers: BenchServers,
  descope: DescopeApi,
  projectId: string,
  options: { searchRpm?: number; loadRpm?: number; worker?: boolean },
): Promise<Run> {
  const store = await MongoStore.connect(servers.mongoUri, `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
  await store.ensureIndexes();
  const taskQueue = `bench-${randomUUID()}`;
  if (options.worker === false) return { store, taskQueue, close: () => dropAndClose(store) };
  const native = await NativeConnection.connect({ address: servers.temporalAddress });
  const workers: Worker[] = await createWorkers({
    connection: native,
    namespace: 'default',
    taskQueue,
    searchRpm: options.searchRpm ?? UNLIMITED_RPM,
    loadRpm: options.loadRpm ?? UNLIMITED_RPM,
    deps: { descope, store, projectId, metrics: new SyncMetrics() },
    workflowBundle: servers.workflowBundle,
  });
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    store,
    taskQueue,
    close: async () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      // Shutdown waits for activities in flight. One stuck in a slow write (a page of updates on FerretDB) ends
      // when its database is dropped under it; the run's figures are taken by then.
      if (!(await settlesWithin(running, SHUTDOWN_WAIT_MS))) {
        await store.db.dropDatabase().catch(() => {});
        await settlesWithin(running, SHUTDOWN_WAIT_MS);
      }
      await native.close().catch(() => {});
      await dropAndClose(store);
    },
  };
}

const SHUTDOWN_WAIT_MS = 15_000;

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = promise.then(
    () => true,
    () => true,
  );
  return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
}

async function dropAndClose(store: MongoStore): Promise<void> {
  await store.db.dropDatabase().catch(() => {});
  await store.close();
}
