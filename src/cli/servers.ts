import { buildServers } from '../servers';
import type { Command } from './commands';

export const serversCommand: Command = {
  summary: 'Build the local Temporal CLI and FerretDB once (cached), printing progress.',
  help: 'descope-sync servers build\n\nBuilds what this machine lacks: the Temporal CLI (unless TEMPORAL_CLI or `temporal` on PATH)\nand FerretDB (unless MONGODB_URI is set). Needs Go.',
  needsConfig: false,
  async run({ argv }) {
    if (argv[0] !== 'build') {
      console.error(this.help);
      return 2;
    }
    await buildServers({ mongo: !process.env.MONGODB_URI }, (line) => console.log(line));
    console.log('Local servers are built.');
  },
};
