import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { stringify } from 'yaml';
import { ensureSearchAttributes } from '../temporal/searchAttributes';
import { cacheDir } from './cache';
import { goBuildOnce } from './goBuild';
import { describePostgres, dropTemporalDatabase, prepareTemporalDatabase, type PostgresTarget } from './postgres';
import { ownChild, stopProcess, waitFor } from './process';

/** The Temporal server the CLI v1.5.1 embeds (its go.mod), so the dev server and the cluster run the same code. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';

export interface TemporalClusterTools {
  server: string;
  /** temporal-sql-tool; the PostgreSQL schemas are embedded in it (`--schema-name postgresql/v12/...`). */
  sqlTool: string;
}

const moduleDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../scripts/temporal-server');

/**
 * Builds the Temporal server and its SQL schema tool once into the cache (niced), from scripts/temporal-server:
 * the server at the dependency versions the CLI v1.5.1 selects, so its build reuses the CLI build's compiled
 * packages (measured cold on 2 cores: README "First run").
 */
export async function resolveTemporalClusterTools(
  log: (line: string) => void = () => {},
): Promise<TemporalClusterTools> {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(readFileSync(join(moduleDir, file)));
  const dir = join(cacheDir(), 'bin', `temporal-server-${TEMPORAL_SERVER_VERSION}-${hash.digest('hex').slice(0, 12)}`);
  await goBuildOnce(
    dir,
    `Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL schema tool`,
    (tmp) => {
      const output = join(tmp, 'out');
      const packages = ['cmd/server', 'cmd/tools/sql'].map((p) => `go.temporal.io/server/${p}`);
      return { args: ['build', '-o', `${output}/`, ...packages], cwd: moduleDir, output };
    },
    log,
    { nice: true },
  );
  return { server: join(dir, 'server'), sqlTool: join(dir, 'sql') };
}

export interface TemporalClusterOptions {
  postgres: PostgresTarget;
  /** Names of the two databases; created with the schema when missing, brought up to date when present. */
  databases: { temporal: string; visibility: string };
  /** Holds the generated config, dynamic config and the server's log. */
  dataDir: string;
  /** History shards (fixed for the life of the databases). */
  shards?: number;
  namespace?: string;
  /** How long closed workflows are kept in the namespace when this call creates it. */
  retentionDays?: number;
  port?: number;
  /** Drop both databases when the cluster stops (test runs). */
  dropOnStop?: boolean;
  log?: (line: string) => void;
}

export interface TemporalCluster {
  address: string;
  namespace: string;
  shards: number;
  databases: { temporal: string; visibility: string };
  process: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

type Ports = Record<
  'grpc' | 'http' | 'membership' | 'history' | 'historyM' | 'matching' | 'matchingM' | 'worker' | 'workerM',
  number
>;

/**
 * Starts the Temporal server as a real cluster: PostgreSQL persistence and SQL visibility (postgres12),
 * `shards` history shards, every service in one process on loopback ports. Resolves once the namespace
 * exists, the product's search attributes are registered through the operator API and usable in a
 * visibility query, and a workflow can be started.
 */
export async function startTemporalCluster(options: TemporalClusterOptions): Promise<TemporalCluster> {
  const log = options.log ?? (() => {});
  const tools = await resolveTemporalClusterTools(log);
  const shards = options.shards ?? 4;
  const namespace = options.namespace ?? 'default';
  const { postgres, databases } = options;
  log(`Temporal cluster: databases ${databases.temporal}, ${databases.visibility} on ${describePostgres(postgres)}`);
  await prepareTemporalDatabase(tools.sqlTool, postgres, databases.temporal, 'postgresql/v12/temporal', log);
  await prepareTemporalDatabase(tools.sqlTool, postgres, databases.visibility, 'postgresql/v12/visibility', log);

  const ports = await freePorts(options.port);
  const configDir = join(options.dataDir, 'config');
  mkdirSync(configDir, { recursive: true });
  const logFile = join(options.dataDir, 'temporal-server.log');
  writeClusterConfig(configDir, { ...options, shards, ports, logFile });
  const child = ownChild(
    spawn(
      tools.server,
      ['--root', options.dataDir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    ),
  );
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 50) stderr.shift();
  });
  const address = `127.0.0.1:${ports.grpc}`;
  const stop = async () => {
    await stopProcess(child, 20_000);
    if (options.dropOnStop) {
      await dropTemporalDatabase(tools.sqlTool, postgres, databases.temporal).catch(() => {});
      await dropTemporalDatabase(tools.sqlTool, postgres, databases.visibility).catch(() => {});
    }
  };
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`The Temporal server exited with ${code}: ${stderr.join('')}${logTail(logFile)}`)),
    );
  });
  exited.catch(() => {}); // after a successful start, an exit is the caller's to notice (cluster.process)
  try {
    await Promise.race([waitUntilReady(address, namespace, options.retentionDays ?? 3), exited]);
  } catch (error) {
    await stop();
    throw error;
  }
  log(`Temporal cluster (${shards} history shards, PostgreSQL) on ${address}, namespace ${namespace}`);
  return { address, namespace, shards, databases, process: child, logFile, stop };
}

/**
 * Nine loopback ports for the services. Picked below 32768, not from the OS's ephemeral range: the cluster
 * records each membership port in PostgreSQL as a SMALLINT (`cluster_membership.rpc_port`), and a port above
 * 32767 stops the server at start ("out of range for type smallint").
 */
async function freePorts(grpc?: number): Promise<Ports> {
  const names = ['http', 'membership', 'history', 'historyM', 'matching', 'matchingM', 'worker', 'workerM'] as const;
  const taken = new Set<number>();
  const next = async (): Promise<number> => {
    for (;;) {
      const port = 20_000 + Math.floor(Math.random() * 12_000);
      if (!taken.has(port) && (await canBind(port))) {
        taken.add(port);
        return port;
      }
    }
  };
  const ports = { grpc: grpc ?? (await next()) } as Ports;
  taken.add(ports.grpc);
  for (const name of names) ports[name] = await next();
  return ports;
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Writes `cluster.yaml` (what `temporal-server --env cluster` reads) and its dynamic config. 0600: it holds the password. */
function writeClusterConfig(
  configDir: string,
  options: TemporalClusterOptions & { shards: number; ports: Ports; logFile: string },
): void {
  const { postgres, ports } = options;
  const sql = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${postgres.host.includes(':') ? `[${postgres.host}]` : postgres.host}:${postgres.port}`,
      connectProtocol: 'tcp',
      user: postgres.user,
      password: postgres.password,
      connectAttributes: postgres.connectAttributes,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, extra: object = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra },
  });
  const config = {
    log: { stdout: false, level: 'warn', outputFile: options.logFile },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: options.shards,
      datastores: { default: sql(options.databases.temporal, 20), visibility: sql(options.databases.visibility, 10) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: service(ports.grpc, ports.membership, { httpPort: ports.http }),
      history: service(ports.history, ports.historyM),
      matching: service(ports.matching, ports.matchingM),
      worker: service(ports.worker, ports.workerM),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.grpc}`,
          httpAddress: `127.0.0.1:${ports.http}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    publicClient: { hostPort: `127.0.0.1:${ports.grpc}` },
    dynamicConfigClient: { filepath: join(configDir, 'dynamicconfig.yaml'), pollInterval: '10s' },
  };
  writeFileSync(join(configDir, 'cluster.yaml'), stringify(config), { mode: 0o600 });
  // The server's defaults otherwise (task queue partitions: 4, as on a production cluster). Visibility requests
  // per namespace go from 10 to 100 a second, as on the dev server: the tests poll counts from several files.
  const dynamic = { 'frontend.namespaceRPS.visibility': [{ value: 100 }] };
  writeFileSync(join(configDir, 'dynamicconfig.yaml'), stringify(dynamic));
}

async function waitUntilReady(address: string, namespace: string, retentionDays: number): Promise<void> {
  const connection = await waitFor(
    `the Temporal cluster's frontend on ${address}`,
    async () => {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await conn.workflowService.getSystemInfo({});
        return conn;
      } catch (error) {
        await conn.close();
        throw error;
      }
    },
    120_000,
    500,
  );
  try {
    await waitFor(
      `namespace ${namespace}`,
      async () => {
        await registerNamespace(connection, namespace, retentionDays);
        return true;
      },
      60_000,
      500,
    );
    await waitFor(
      "the product's search attributes",
      async () => {
        if (!(await ensureSearchAttributes(connection, namespace))) return undefined;
        // Usable once the namespace's cached search attributes include them: a query naming one is accepted.
        await connection.workflowService.countWorkflowExecutions({ namespace, query: "DescopeKind = 'ready'" });
        return true;
      },
      90_000,
      1000,
    );
  } finally {
    await connection.close();
  }
}

async function registerNamespace(connection: Connection, namespace: string, retentionDays: number): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return;
  } catch (error) {
    if ((error as { code?: number }).code !== 5) throw error; // 5: NOT_FOUND
  }
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs(retentionDays * 86_400_000),
  });
  await connection.workflowService.describeNamespace({ namespace });
}

function logTail(logFile: string): string {
  try {
    return `\n${readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n')}`;
  } catch {
    return '';
  }
}
