import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where built server binaries and local data live: reused by later runs and fresh clones on this machine. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DESCOPE_SYNC_CACHE) return env.DESCOPE_SYNC_CACHE;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'descope-sync');
}
