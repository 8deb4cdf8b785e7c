import { emulatorHelp, parseEmulatorFlags } from './cliFlags';
import { startEmulator } from './index';

export { EmulatorUsageError, emulatorHelp } from './cliFlags';

export interface EmulatorCommandIo {
  /** Stops the emulator when aborted, besides SIGINT and SIGTERM. */
  signal?: AbortSignal;
  print?: (line: string) => void;
}

/**
 * `descope-sync emulator [flags]`: runs the emulator until SIGINT/SIGTERM and prints the settings that point
 * the product at it. Throws EmulatorUsageError on bad flags; the caller decides how to exit.
 */
export async function runEmulatorCommand(argv: string[], io: EmulatorCommandIo = {}): Promise<void> {
  const print = io.print ?? ((line: string) => console.log(line));
  const parsed = parseEmulatorFlags(argv);
  if (parsed.help) {
    print(emulatorHelp());
    return;
  }
  const { options } = parsed;
  const emulator = await startEmulator({
    ...options,
    logger: { info: () => {}, warn: (...args: unknown[]) => console.warn('emulator:', ...args) },
  });
  const seeded = `${options.userCount} users and ${options.testUserCount} test users from seed ${options.seed}`;
  print(`Descope emulator on ${emulator.url}: ${seeded}.`);
  print('Point descope-sync at it with:');
  print(`DESCOPE_BASE_URL=${emulator.url}`);
  print(`DESCOPE_PROJECT_ID=${emulator.projectId}`);
  print(`DESCOPE_MANAGEMENT_KEY=${emulator.managementKey}`);
  print(`Admin API: ${emulator.url}/_emulator (faults, counters, users, webhook). Ctrl-C stops.`);
  await untilStopped(io.signal);
  await emulator.close();
}

function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
}
