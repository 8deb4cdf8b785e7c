import { join } from 'node:path';
import { parseFlags } from './args';
import type { Command } from './commands';

export const serversCommand: Command = {
  summary: 'Build the local Temporal CLI and FerretDB once (cached), printing progress; or run a Temporal cluster.',
  help: [
    'descope-sync servers build',
    'descope-sync servers cluster [--port 7233] [--shards 4] [--namespace default]',
    '',
    'build: builds what this machine lacks: the Temporal CLI (unless TEMPORAL_CLI or `temporal` on PATH),',
    'FerretDB (unless MONGODB_URI is set), and, when a PostgreSQL is reachable (TEMPORAL_POSTGRES_URL, or',
    '127.0.0.1:5432), the Temporal server and its SQL schema tool. Needs Go.',
    'cluster: runs the Temporal server as a cluster on PostgreSQL (TEMPORAL_POSTGRES_URL, default',
    'postgres://postgres@127.0.0.1:5432/postgres): databases descope_sync_temporal and',
    'descope_sync_temporal_visibility (created or updated), SQL visibility, the search attributes registered.',
    'No Web UI. Runs until SIGINT/SIGTERM; the databases are kept.',
  ].join('\n'),
  needsConfig: false,
  async run({ argv, signal }) {
    // Imported when run: the server builders are not part of the production build (scripts/build.ts).
    const servers = await import('../servers');
    if (argv[0] === 'build') {
      const postgres = await servers.findClusterPostgres();
      if (postgres.reason) console.log(`Not building the Temporal server (cluster tests skip): ${postgres.reason}.`);
      await servers.buildServers({ mongo: !process.env.MONGODB_URI, cluster: !postgres.reason }, (line) =>
        console.log(line),
      );
      console.log('Local servers are built.');
      return;
    }
    if (argv[0] === 'cluster') {
      const { values } = parseFlags(argv.slice(1), {
        port: { type: 'string', default: '7233' },
        shards: { type: 'string', default: '4' },
        namespace: { type: 'string', default: 'default' },
      });
      const postgres = await servers.findClusterPostgres();
      if (!postgres.target) {
        console.error(`Cannot run a Temporal cluster: ${postgres.reason}.`);
        return 3;
      }
      const cluster = await servers.startTemporalCluster({
        postgres: postgres.target,
        databases: { temporal: 'descope_sync_temporal', visibility: 'descope_sync_temporal_visibility' },
        dataDir: join(servers.cacheDir(), 'data', 'cluster'),
        shards: Number(values.shards),
        namespace: values.namespace,
        port: Number(values.port),
        log: (line) => console.log(line),
      });
      console.log(
        `TEMPORAL_ADDRESS=${cluster.address} TEMPORAL_NAMESPACE=${cluster.namespace}; server log: ${cluster.logFile}`,
      );
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
        cluster.process.once('exit', () => resolve());
      });
      const crashed = cluster.process.exitCode !== null && !signal.aborted;
      await cluster.stop();
      return crashed ? 1 : undefined;
    }
    console.error(this.help);
    return 2;
  },
};
