import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { kindKey, projectKey, userKey } from '../../workflows/messages';
import { cacheDir } from './cache';
import { goBuildOnce } from './goBuild';
import { freePort, ownChild, stopProcess, waitFor } from './process';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
/** Custom search attributes the product sets so the Web UI can filter its workflows. */
export const SEARCH_ATTRIBUTES = Object.fromEntries([kindKey, projectKey, userKey].map((key) => [key.name, 'Keyword']));

/** Resolves the Temporal CLI: TEMPORAL_CLI, then `temporal` on PATH, else builds it into the cache. */
export async function resolveTemporalCli(log: (line: string) => void = () => {}): Promise<string> {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI points at ${fromEnv}, which does not exist`);
    return fromEnv;
  }
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, 'temporal'))
    .find((file) => existsSync(file));
  if (onPath) return onPath;
  const target = join(cacheDir(), 'bin', `temporal-${TEMPORAL_CLI_VERSION}`);
  // v1.5.1 is the newest CLI whose go.mod has no replace directive, so `go install` builds it.
  return goBuildOnce(
    target,
    `Temporal CLI ${TEMPORAL_CLI_VERSION}`,
    (tmp) => ({
      args: ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`],
      env: { GOBIN: tmp },
      output: join(tmp, 'temporal'),
    }),
    log,
  );
}

export interface TemporalServer {
  address: string;
  uiUrl: string | undefined;
  namespace: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface TemporalServerOptions {
  /** SQLite file that keeps history across restarts; in-memory when omitted. */
  dbFile?: string;
  port?: number;
  ui?: boolean;
  uiPort?: number;
  namespace?: string;
  /**
   * Partitions per task queue (default 1). Temporal splits a task queue's rate limit evenly over its
   * partitions, so with the server's default of 4 a queue whose tasks land unevenly dispatches well below its
   * limit (about 80% of it here); with one partition the search queue's limit is the Descope budget exactly.
   * One server process gains nothing from more partitions.
   */
  taskQueuePartitions?: number;
  log?: (line: string) => void;
}

/** Starts `temporal server start-dev` on loopback and resolves once its frontend answers. */
export async function startTemporalServer(options: TemporalServerOptions = {}): Promise<TemporalServer> {
  const cli = await resolveTemporalCli(options.log);
  const port = options.port ?? (await freePort());
  const namespace = options.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace];
  args.push('--log-level', 'error');
  const partitions = String(options.taskQueuePartitions ?? 1);
  for (const key of ['matching.numTaskqueueReadPartitions', 'matching.numTaskqueueWritePartitions']) {
    args.push('--dynamic-config-value', `${key}=${partitions}`);
  }
  let uiUrl: string | undefined;
  if (options.ui === false) args.push('--headless');
  else {
    const uiPort = options.uiPort ?? (await freePort());
    args.push('--ui-port', String(uiPort));
    uiUrl = `http://127.0.0.1:${uiPort}`;
  }
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  const child = ownChild(spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 50) stderr.shift();
  });
  const address = `127.0.0.1:${port}`;
  try {
    await waitFor(
      `the Temporal dev server on ${address}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`it exited with ${child.exitCode}: ${stderr.join('')}`);
        const connection = await Connection.connect({ address, connectTimeout: 1000 });
        try {
          await connection.workflowService.describeNamespace({ namespace });
          return true;
        } finally {
          await connection.close();
        }
      },
      60_000,
      200,
    );
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  return { address, uiUrl, namespace, process: child, stop: () => stopProcess(child) };
}
