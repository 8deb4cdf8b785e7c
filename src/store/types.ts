/** A user exactly as Descope returns it; the product stores these fields unchanged at the top level. */
export interface DescopeUser {
  userId: string;
  modifiedTime?: number;
  createdTime?: number;
  [field: string]: unknown;
}

export type WriteSource = 'backfill' | 'reconcile' | 'sweep' | 'event';

/**
 * One observation of a user's state in Descope: either the user as read at `observedAt`, or the fact that
 * Descope had no such user at `observedAt`. `observedAt` is epoch ms, taken just before the read was sent.
 */
export type UserObservation =
  { kind: 'snapshot'; user: DescopeUser; observedAt: number } | { kind: 'absent'; userId: string; observedAt: number };

/** The product's own metadata, kept under one sub-document of each `users` document. */
export interface SyncMeta {
  observedAt: number;
  modifiedTime: number | null;
  deleted: boolean;
  deletedAt: number | null;
  source: WriteSource;
  /** Hash of the Descope fields, to tell a real change from a re-read of the same state. */
  hash: string | null;
  writtenAt: Date;
  /** Present when a field name had to be escaped to be stored; see escapeKeys. */
  escaped?: boolean;
}

export const META = '_sync';

export interface UserDocument {
  _id: string;
  userId: string;
  [META]: SyncMeta;
  [field: string]: unknown;
}

export interface WriteResult {
  /** Observations that changed the stored state (new users, changed users, new tombstones, revivals). */
  applied: number;
  /** Observations of a state already stored: only the observation time moved forward. */
  unchanged: number;
  /** Observations older than what is stored: ignored by the ordering guard. */
  stale: number;
  /** Tombstones written by this call. */
  tombstoned: number;
  /** Users stored for the first time. */
  inserted: number;
  /**
   * Users the MongoDB server refused to store (a value it cannot hold, a document too large): see the
   * `refused` collection. The write path always sets it; optional so totals built elsewhere need not.
   */
  refused?: number;
}
