import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { cacheDir, startLocalServers, type LocalServers } from '../src/servers';
import { workflowsPath } from '../src/temporal/worker';

export interface BenchServers {
  temporalAddress: string;
  mongoUri: string;
  /** 'ferretdb' (local, SQLite) or 'mongodb' (MONGODB_URI). */
  mongoKind: 'ferretdb' | 'mongodb';
  /** Workflows bundled once for every in-process worker of the run. */
  workflowBundle: { code: string };
  stop(): Promise<void>;
}

/** The real servers for one bench run, on free loopback ports; their data is removed at the end. */
export async function startBenchServers(log: (line: string) => void): Promise<BenchServers> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dataDir = join(cacheDir(), 'data', `bench-${process.pid}-${Date.now()}`);
  const mongoUri = process.env.MONGODB_URI || undefined;
  const servers: LocalServers = await startLocalServers({ dataDir, mongoUri, ui: false, log });
  try {
    const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
    return {
      temporalAddress: servers.temporal.address,
      mongoUri: servers.mongoUri,
      mongoKind: mongoUri ? 'mongodb' : 'ferretdb',
      workflowBundle: { code },
      stop: async () => {
        await servers.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await servers.stop();
    throw error;
  }
}

const noop = () => {};
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
