import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../servers/cache';

/**
 * How a running `descope-sync dev` is reached from a second terminal: the demo records the settings of its
 * local servers and emulator here, and every other command takes from the record what its environment does
 * not set (an explicit environment always wins; a variable set to "" counts as set). The record holds no
 * secret of a real project: the demo's emulator credentials are local and made up, and a real project's
 * management key is never written.
 */
export interface DemoState {
  pid: number;
  env: Record<string, string>;
}

/** `DESCOPE_SYNC_DEMO_STATE` moves the record (tests point it at a folder of their own). */
export function demoStatePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.DESCOPE_SYNC_DEMO_STATE || join(cacheDir(env), 'demo.json');
}

export function writeDemoState(state: DemoState, env: NodeJS.ProcessEnv = process.env): string {
  const path = demoStatePath(env);
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  return path;
}

/** Removes the record if it is this process's (a second demo may have taken over the file). */
export function clearDemoState(pid: number, env: NodeJS.ProcessEnv = process.env): void {
  if (readDemoState(env)?.pid === pid) rmSync(demoStatePath(env), { force: true });
}

/** The record of a demo that is still running, or undefined. */
export function readDemoState(env: NodeJS.ProcessEnv = process.env): DemoState | undefined {
  let state: DemoState;
  try {
    state = JSON.parse(readFileSync(demoStatePath(env), 'utf8')) as DemoState;
  } catch {
    return undefined;
  }
  if (typeof state?.pid !== 'number' || typeof state.env !== 'object' || state.env === null) return undefined;
  return isAlive(state.pid) ? state : undefined;
}

/** `env` completed with a running demo's settings, for every variable `env` does not have at all. */
export function withDemoDefaults(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; demo?: DemoState } {
  const demo = readDemoState(env);
  if (!demo) return { env };
  const filled: NodeJS.ProcessEnv = { ...env };
  let used = false;
  for (const [name, value] of Object.entries(demo.env)) {
    if (filled[name] === undefined && typeof value === 'string') {
      filled[name] = value;
      used = true;
    }
  }
  return used ? { env: filled, demo } : { env };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
