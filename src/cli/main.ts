import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logger';
import { UnavailableError, UsageError, descopeTarget } from '../runtime';
import { withDemoDefaults } from './demoState';
import { WebhookConfigError } from '../webhook';
import { commands, usage } from './commands';

/** How long a command gets to stop after the first SIGINT or SIGTERM. */
const SHUTDOWN_GRACE_MS = 40_000;

/**
 * `descope-sync <command>`: the one entry point. Exit codes: 0 done, 1 failed, 2 bad usage or configuration,
 * 3 a dependency (Temporal, MongoDB) unreachable, 130 interrupted.
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
    // A shutdown that hangs (a library waiting on something that never comes) must not keep the process: after
    // a grace period it exits as a second Ctrl-C would.
    setTimeout(() => {
      console.error(`descope-sync: still stopping after ${SHUTDOWN_GRACE_MS / 1000} s; exiting`);
      process.exit(130);
    }, SHUTDOWN_GRACE_MS).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Every command but the demo itself reaches a running demo with nothing exported (see demoState.ts).
  const { env, demo } = name === 'dev' ? { env: process.env, demo: undefined } : withDemoDefaults(process.env);
  if (demo && command.needsConfig !== false)
    console.error(`descope-sync: using the running demo (pid ${demo.pid}) for every setting not in the environment`);
  const config = command.needsConfig === false ? undefined : loadConfig(env);
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
    const unavailable =
      error instanceof UnavailableError || (error instanceof Error && error.name === 'UnavailableError');
    console.error(`descope-sync: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(unavailable ? 3 : expected ? 2 : 1);
  },
);
