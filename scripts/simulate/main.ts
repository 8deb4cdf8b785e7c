import { parseCli, USAGE } from './options';
import { runSeed } from './run';
import { startSimServers } from './servers';

/** `npm run simulate`: seeded fault schedules on the real local stack; one JSON summary line per seed. */
async function main(argv: string[]): Promise<number> {
  let request;
  try {
    request = parseCli(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (request === 'help') {
    console.log(USAGE);
    return 0;
  }
  const { seeds, options } = request;
  const servers = await startSimServers(() => {});
  let failed = 0;
  try {
    for (const seed of seeds) {
      options.log(`seed ${seed}: ${options.steps} steps`);
      const summary = await runSeed(servers, { ...options, seed });
      if (!summary.ok) failed++;
      console.log(JSON.stringify({ simulation: summary }));
    }
  } finally {
    await servers.stop();
  }
  options.log(`${seeds.length - failed} of ${seeds.length} seeds kept every invariant`);
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
