import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logger';
import { UsageError, descopeTarget } from '../runtime';
import { WebhookConfigError } from '../webhook';
import { commands, usage } from './commands';

/**
 * `descope-sync <command>`: the one entry point. Exit codes: 0 done, 1 failed, 2 bad usage or configuration,
 * 130 interrupted.
 */
async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name && Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(usage());
    return 0;
  }
  if (!command) {
    // Bad usage goes to stderr, naming what was wrong, so a script's stdout never carries the usage text.
    console.error(`descope-sync: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  const controller = new AbortController();
  let interrupted = false;
  const stop = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const config = command.needsConfig === false ? undefined : loadConfig();
  const logger = createLogger(config?.logLevel ?? 'info', `descope-sync:${name}`);
  const target = command.needsDescope && config ? descopeTarget(config) : undefined;
  const code = await command.run({ argv: rest, config: config!, target: target!, logger, signal: controller.signal });
  return interrupted ? 130 : (code ?? 0);
}

// The entry point owns the process: it exits once the command is done, whatever handles a library left open.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const expected =
      error instanceof ConfigError ||
      error instanceof UsageError ||
      error instanceof WebhookConfigError ||
      (error instanceof Error && error.name === 'UsageError');
    console.error(`descope-sync: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(expected ? 2 : 1);
  },
);
