import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createDescopeApi, type AuditApi, type DescopeApi } from './descope/api';
import { MongoStore } from './store/mongoStore';
import type { Config } from './config';

/** Clients are created once, here, by an entry point, and passed down. */
export interface DescopeTarget {
  projectId: string;
  managementKey: string;
  baseUrl: string | undefined;
}

/** Bad usage or configuration: the command line or the environment must change. Exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A dependency (Temporal, MongoDB) cannot be reached: the same command may work later. Exit code 3. */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}

export function descopeTarget(config: Config): DescopeTarget {
  const { projectId, managementKey, baseUrl } = config.descope;
  if (!projectId || !managementKey) {
    throw new UsageError(
      'DESCOPE_PROJECT_ID and DESCOPE_MANAGEMENT_KEY must be set (or run `descope-sync dev` for the local demo).',
    );
  }
  return { projectId, managementKey, baseUrl };
}

export function descopeApi(config: Config, target: DescopeTarget): DescopeApi & AuditApi {
  return createDescopeApi({ ...target, timeoutMs: config.descope.timeoutMs });
}

export async function connectStore(config: Config): Promise<MongoStore> {
  try {
    const store = await MongoStore.connect(config.mongo.uri, config.mongo.db);
    await store.ensureIndexes();
    return store;
  } catch (error) {
    throw new UnavailableError(
      `Cannot reach MongoDB (MONGODB_URI, database ${config.mongo.db}): ${(error as Error).message}. Is the server running?`,
    );
  }
}

export async function connectClient(config: Config): Promise<Client> {
  try {
    const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: 5000 });
    return new Client({ connection, namespace: config.temporal.namespace });
  } catch (error) {
    throw new UnavailableError(
      `Cannot reach Temporal at ${config.temporal.address} (TEMPORAL_ADDRESS): ${(error as Error).message}. Is the server running?`,
    );
  }
}

/** The worker's connection to Temporal, failing as friendly as connectClient's. */
export async function connectNative(config: Config): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ address: config.temporal.address });
  } catch (error) {
    throw new UnavailableError(
      `Cannot reach Temporal at ${config.temporal.address} (TEMPORAL_ADDRESS): ${(error as Error).message}. Is the server running?`,
    );
  }
}
