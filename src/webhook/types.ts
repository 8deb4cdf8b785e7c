/** The contract between the webhook endpoint and whatever makes its work durable (the Temporal-backed sink). */

export type UserAction = 'UserCreated' | 'UserModified' | 'UserDeleted';
export type BatchAction = 'UsersCreated' | 'UsersModified' | 'UsersDeleted';

/**
 * Re-read the users one event names from Descope and apply their state. A single-user event names `userId`;
 * a batch event that lists its users is ONE request naming them all in `userIds`.
 */
export interface ApplyRequest {
  /** `[A-Za-z0-9_-]` only: it becomes part of a workflow id. */
  eventId: string;
  action: UserAction | BatchAction;
  userId?: string;
  userIds?: string[];
  occurredMs: number | undefined;
  receivedMs: number;
}

/** A batch event that named no users: reconcile the time window around `occurredMs` (deletes: also sweep). */
export interface WindowRequest {
  eventId: string;
  action: BatchAction;
  occurredMs: number;
  receivedMs: number;
}

export interface SinkWork {
  applies: ApplyRequest[];
  windows: WindowRequest[];
}

export interface SinkResult {
  /** Events handed to new durable work (a new intake). */
  started: number;
  /**
   * Events whose delivery had already been taken (the same events redelivered): nothing new was started; or
   * events another delivery of the same group already carried.
   */
  duplicates: number;
  /** The intake workflow that starts this delivery's event workflows (and those of its group), when there is one. */
  intake?: string;
}

export interface SinkReadiness {
  temporal: boolean;
  mongo: boolean;
}

export interface EventSink {
  /**
   * Resolves only once every request is durable. Throws SinkUnavailableError when the backend cannot be reached.
   * `signal` aborts when the endpoint has given up waiting (it has already answered 503).
   */
  submit(work: SinkWork, signal: AbortSignal): Promise<SinkResult>;
  ready(): Promise<SinkReadiness>;
}

export type ParseResult =
  | {
      ok: true;
      /** Valid events, deduplicated by event id within the delivery. */
      events: SinkWork;
      /** In-delivery duplicates dropped from `events`. */
      duplicates: number;
      duplicatesByAction: ReadonlyMap<string, number>;
      /** Events whose action the sync does not act on. */
      ignored: number;
      ignoredByAction: ReadonlyMap<string, number>;
      /** Events skipped because they fail validation or belong to another project; their siblings are taken. */
      invalid: number;
      invalidByAction: ReadonlyMap<string, number>;
      /** The first few reasons, located inside the delivery (`[3].userId: ...`). */
      problems: string[];
    }
  | { ok: false; status: 400; code: string; message: string };
