import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { run } from './process';

export class ToolchainMissingError extends Error {
  override name = 'ToolchainMissingError';
}

/**
 * Builds a Go binary into `target` unless it is already there. Builds into a temporary path and renames,
 * so an interrupted build never leaves a half-written binary that later runs would trust.
 */
export async function goBuildOnce(
  target: string,
  what: string,
  build: (tmpDir: string) => { args: string[]; output: string; cwd?: string; env?: NodeJS.ProcessEnv },
  log: (line: string) => void,
  options: { nice?: boolean } = {},
): Promise<string> {
  if (existsSync(target)) return target;
  await requireGo(what);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.building-${basename(target)}-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  const { args, output, cwd, env } = build(tmp);
  log(`Building ${what} with Go (first run only; this can take several minutes)...`);
  const started = Date.now();
  let lines = 0;
  try {
    // `nice` leaves the CPU to tests and servers already running: a server build takes minutes on 2 cores.
    const command = options.nice ? 'nice' : 'go';
    await run(command, options.nice ? ['-n', '10', 'go', ...args] : args, {
      cwd,
      env: { ...process.env, ...env },
      onLine: (line) => {
        lines += 1;
        if (lines % 25 === 1) log(`  ${what}: ${line}`);
      },
    });
    renameSync(output, target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  log(`Built ${what} in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  return target;
}

async function requireGo(what: string): Promise<void> {
  try {
    await run('go', ['version']);
  } catch {
    throw new ToolchainMissingError(
      `Go is needed to build ${what} and was not found on PATH. Install Go, or point the project at servers ` +
        'you already have: TEMPORAL_CLI=/path/to/temporal (a Temporal CLI binary), MONGODB_URI=mongodb://... ' +
        '(any MongoDB server), or run everything with `docker compose up`.',
    );
  }
}
