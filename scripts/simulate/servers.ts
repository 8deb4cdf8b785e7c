import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import {
  cacheDir,
  startFerretDb,
  startTemporalServer,
  type MongoWireServer,
  type TemporalServer,
} from '../../src/servers';

/**
 * The simulation's own Temporal dev server (history in a SQLite file) and MongoDB-wire server (FerretDB), so
 * that either can be SIGKILLed and started again on the same port and data: clients see an outage, not a
 * new server. With MONGODB_URI set, that server is used and never restarted.
 */
export interface SimServers {
  temporalAddress: string;
  mongoUri: string;
  canRestartMongo: boolean;
  restartTemporal(): Promise<void>;
  restartMongo(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSimServers(log: (line: string) => void): Promise<SimServers> {
  const dataDir = join(cacheDir(), 'data', `simulate-${process.pid}-${Date.now()}`);
  const dbFile = join(dataDir, 'temporal.db');
  const mongoDir = join(dataDir, 'ferretdb');
  const externalMongo = process.env.MONGODB_URI || undefined;
  let temporal: TemporalServer = await startTemporalServer({ dbFile, ui: false, log });
  const port = Number(temporal.address.split(':')[1]);
  let mongo: MongoWireServer | undefined;
  try {
    mongo = externalMongo ? undefined : await startFerretDb({ dataDir: mongoDir, log });
  } catch (error) {
    await temporal.stop();
    throw error;
  }
  const mongoUri = externalMongo ?? mongo!.uri;
  const mongoPort = Number(/:(\d+)\//.exec(mongoUri)?.[1]);
  return {
    temporalAddress: temporal.address,
    mongoUri,
    canRestartMongo: mongo !== undefined,
    async restartTemporal() {
      await sigkill(temporal.process);
      temporal = await startTemporalServer({ dbFile, ui: false, port, log });
    },
    async restartMongo() {
      if (!mongo) return;
      await sigkill(mongo.process);
      mongo = await startFerretDb({ dataDir: mongoDir, port: mongoPort, log });
    },
    async stop() {
      await Promise.all([temporal.stop(), mongo?.stop()]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** SIGKILL, as a crash would; resolves once the process is gone so its port is free again. */
export function sigkill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
