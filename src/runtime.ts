import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createDescopeApi, type DescopeApi } from './descope/api';
import { MongoStore } from './store/mongoStore';
import type { Config } from './config';

/** Clients are created once, here, by an entry point, and passed down. */
export interface DescopeTarget {
  projectId: string;
  managementKey: string;
  baseUrl: string | undefined;
}

export class UsageError extends Error {
  override name = 'UsageError';
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

export function descopeApi(config: Config, target: DescopeTarget): DescopeApi {
  return createDescopeApi({ ...target, timeoutMs: config.descope.timeoutMs });
}

export async function connectStore(config: Config): Promise<MongoStore> {
  try {
    const store = await MongoStore.connect(config.mongo.uri, config.mongo.db);
    await store.ensureIndexes();
    return store;
  } catch (error) {
    throw new UsageError(
      `Cannot reach MongoDB (MONGODB_URI, database ${config.mongo.db}): ${(error as Error).message}. Is the server running?`,
    );
  }
}

export async function connectClient(config: Config): Promise<Client> {
  try {
    const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: 5000 });
    return new Client({ connection, namespace: config.temporal.namespace });
  } catch (error) {
    throw new UsageError(
      `Cannot reach Temporal at ${config.temporal.address} (TEMPORAL_ADDRESS): ${(error as Error).message}. Is the server running?`,
    );
  }
}

export function connectNative(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect({ address: config.temporal.address });
}
