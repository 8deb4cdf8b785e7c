import type { Db } from 'mongodb';

/**
 * What the write path adapts to the MongoDB-wire server it writes to. Everything here exists only because of
 * FerretDB v1 (the local development and test default); real MongoDB takes the first row.
 */
export interface ServerLimits {
  /** The server: `mongodb`, or `ferretdb` with its version. */
  server: string;
  /**
   * Whether a guarded replace carries the write rule in its filter. MongoDB applies a filtered update
   * atomically and finds the user by its `_id` index, so the guard costs nothing. FerretDB v1 (SQLite) pushes
   * only a filter that is exactly `{ _id }` down to SQLite; any other filter makes it decode every stored
   * document, so each guarded replace cost O(stored users): a 1,000-user batch event took minutes. Its
   * filtered updates are not atomic anyway (it filters, then writes in a second step), so there the write
   * path checks the rule on a read of the chunk just before and replaces by `_id` alone.
   */
  guardInFilter: boolean;
  /** Statements per update command: FerretDB v1.24 never answers one of 100 or more (99 return). */
  replaceChunk: number;
}

export const MONGODB_LIMITS: ServerLimits = { server: 'mongodb', guardInFilter: true, replaceChunk: 50 };

/** Asks the server what it is (`buildInfo`; FerretDB adds `ferretdbVersion`). */
export async function detectServerLimits(db: Db): Promise<ServerLimits> {
  // A server that will not say (a restricted user) is taken for MongoDB: the guard in the filter is always right.
  const info = await db
    .admin()
    .command({ buildInfo: 1 })
    .catch(() => ({}) as Record<string, unknown>);
  const ferret = typeof info.ferretdbVersion === 'string' ? info.ferretdbVersion : null;
  if (!ferret) return MONGODB_LIMITS;
  return { server: `ferretdb ${ferret}`, guardInFilter: false, replaceChunk: 50 };
}
