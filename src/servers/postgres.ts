import { connect } from 'node:net';
import { run } from './process';

/** Where the Temporal cluster keeps its databases when TEMPORAL_POSTGRES_URL is unset: a local server, trust auth. */
export const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A PostgreSQL server reached by the SQL schema tool and the Temporal server (postgres12 plugin). */
export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  /** Secret: never logged; passed to the schema tool by environment and to the server in its 0600 config. */
  password: string;
  /** The database the schema tool connects to when it creates or drops the cluster's own databases. */
  adminDatabase: string;
  /** The URL's query (sslmode=…), passed as the plugin's connect attributes. */
  connectAttributes: Record<string, string>;
  /** Where it came from, for messages: `TEMPORAL_POSTGRES_URL` or the local default. */
  source: string;
}

export function postgresTarget(env: NodeJS.ProcessEnv = process.env, fallback = LOCAL_POSTGRES_URL): PostgresTarget {
  const fromEnv = env.TEMPORAL_POSTGRES_URL || undefined;
  let url: URL;
  try {
    url = new URL(fromEnv ?? fallback);
  } catch {
    throw new Error('TEMPORAL_POSTGRES_URL is not a URL (expected postgres://user:password@host:5432/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`TEMPORAL_POSTGRES_URL must start with postgres:// (got ${url.protocol}//…)`);
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username) || 'postgres',
    password: decodeURIComponent(url.password),
    adminDatabase: decodeURIComponent(url.pathname.slice(1)) || 'postgres',
    connectAttributes: Object.fromEntries(url.searchParams),
    source: fromEnv ? 'TEMPORAL_POSTGRES_URL' : `the local default ${fallback}`,
  };
}

/** `user@host:port`, never the password. */
export function describePostgres(target: PostgresTarget): string {
  return `${target.user}@${target.host}:${target.port}`;
}

/** Whether something accepts TCP connections at the target (authentication is the schema tool's to report). */
export function postgresListening(target: PostgresTarget, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Runs Temporal's SQL schema tool against one database. Settings go by environment (SQL_*), so the password
 * is not on a command line other users of the machine can read.
 */
async function sqlTool(
  tool: string,
  target: PostgresTarget,
  database: string,
  args: string[],
  log: (line: string) => void,
): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: target.host,
    SQL_PORT: String(target.port),
    SQL_USER: target.user,
    SQL_PASSWORD: target.password,
    SQL_DATABASE: database,
    SQL_CONNECT_ATTRIBUTES: new URLSearchParams(target.connectAttributes).toString(),
  };
  await run(tool, args, { env, onLine: (line) => log(`  temporal-sql-tool: ${line}`) });
}

/**
 * Makes `database` hold the current Temporal schema (`schemaName`: the tool's embedded `postgresql/v12/temporal`
 * or `postgresql/v12/visibility`). Every step is idempotent: the tool's create-database ignores an existing
 * database, setup-schema never lowers a recorded version, and update-schema applies only what is missing, so a
 * kept cluster survives restarts and server upgrades.
 */
export async function prepareTemporalDatabase(
  tool: string,
  target: PostgresTarget,
  database: string,
  schemaName: string,
  log: (line: string) => void = () => {},
): Promise<void> {
  try {
    await sqlTool(tool, target, database, ['create-database', '--defaultdb', target.adminDatabase], () => {});
    await sqlTool(tool, target, database, ['setup-schema', '-v', '0.0'], () => {});
    await sqlTool(tool, target, database, ['update-schema', '--schema-name', schemaName], () => {});
  } catch (error) {
    throw new Error(
      `Could not prepare the Temporal database ${database} on ${describePostgres(target)} (${target.source}): ` +
        lastLines(error),
    );
  }
  log(`${database}: schema ${schemaName} up to date`);
}

export async function dropTemporalDatabase(tool: string, target: PostgresTarget, database: string): Promise<void> {
  await sqlTool(tool, target, database, ['drop-database', '--defaultdb', target.adminDatabase, '--force'], () => {});
}

function lastLines(error: unknown): string {
  return String(error instanceof Error ? error.message : error)
    .split('\n')
    .slice(-3)
    .join(' ');
}
