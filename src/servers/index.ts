import { join } from 'node:path';
import { cacheDir } from './cache';
import { resolveFerretDb, startFerretDb, type MongoWireServer } from './ferretdb';
import { describePostgres, postgresListening, postgresTarget, type PostgresTarget } from './postgres';
import { resolveTemporalCli, startTemporalServer, type TemporalServer } from './temporal';
import { resolveTemporalClusterTools } from './temporalCluster';

export { cacheDir } from './cache';
export { startFerretDb, resolveFerretDb } from './ferretdb';
export { startTemporalServer, resolveTemporalCli, SEARCH_ATTRIBUTES } from './temporal';
export type { MongoWireServer } from './ferretdb';
export type { TemporalServer } from './temporal';
export { startTemporalCluster, resolveTemporalClusterTools, TEMPORAL_SERVER_VERSION } from './temporalCluster';
export type { TemporalCluster } from './temporalCluster';
export { postgresTarget, describePostgres } from './postgres';
export type { PostgresTarget } from './postgres';

/**
 * The PostgreSQL a Temporal cluster can use: TEMPORAL_POSTGRES_URL when set (unreachable, the cluster's start
 * fails and says so), else the local default if something listens there; otherwise why there is none.
 */
export async function findClusterPostgres(
  env: NodeJS.ProcessEnv = process.env,
  localUrl?: string,
): Promise<{ target: PostgresTarget; reason?: undefined } | { target?: undefined; reason: string }> {
  const target = postgresTarget(env, localUrl);
  if (env.TEMPORAL_POSTGRES_URL || (await postgresListening(target))) return { target };
  return {
    reason:
      `no PostgreSQL answers at ${describePostgres(target)} and TEMPORAL_POSTGRES_URL is unset ` +
      '(set it to postgres://user:password@host:5432/postgres to run Temporal as a cluster)',
  };
}

/**
 * Builds (once) whatever local servers this machine lacks, printing progress; used by `npm test` and `dev`.
 * `cluster`: also the Temporal server and its SQL schema tool (the cluster tests run them on PostgreSQL).
 */
export async function buildServers(
  options: { mongo: boolean; cluster?: boolean },
  log: (line: string) => void,
): Promise<void> {
  await resolveTemporalCli(log);
  if (options.mongo) await resolveFerretDb(log);
  if (options.cluster) await resolveTemporalClusterTools(log);
}

export interface LocalServers {
  temporal: TemporalServer;
  mongoUri: string;
  mongo: MongoWireServer | undefined;
  stop(): Promise<void>;
}

/**
 * The one place that makes sure the servers exist and starts them on free loopback ports, for the tests, the
 * dev command and the benchmarks. MongoDB: the given URI when there is one, else a local FerretDB.
 */
export async function startLocalServers(options: {
  dataDir?: string;
  mongoUri?: string;
  persistent?: boolean;
  ui?: boolean;
  temporalPort?: number;
  uiPort?: number;
  log?: (line: string) => void;
}): Promise<LocalServers> {
  const dataDir = options.dataDir ?? join(cacheDir(), 'data', `run-${process.pid}-${Date.now()}`);
  const temporal = await startTemporalServer({
    dbFile: options.persistent ? join(dataDir, 'temporal.db') : undefined,
    ui: options.ui,
    port: options.temporalPort,
    uiPort: options.uiPort,
    log: options.log,
  });
  let mongo: MongoWireServer | undefined;
  try {
    if (!options.mongoUri) mongo = await startFerretDb({ dataDir: join(dataDir, 'ferretdb'), log: options.log });
  } catch (error) {
    await temporal.stop();
    throw error;
  }
  const mongoUri = options.mongoUri ?? mongo!.uri;
  return {
    temporal,
    mongoUri,
    mongo,
    stop: async () => {
      await Promise.all([temporal.stop(), mongo?.stop()]);
    },
  };
}
