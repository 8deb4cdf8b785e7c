/** The contract between the webhook endpoint and whatever makes its work durable (the Temporal-backed sink). */

export type UserAction = 'UserCreated' | 'UserModified' | 'UserDeleted';
export type BatchAction = 'UsersCreated' | 'UsersModified' | 'UsersDeleted';

/** Re-read one user from Descope and apply its state. */
export interface ApplyRequest {
  /** `[A-Za-z0-9:_-]` only: it becomes part of a workflow id. */
  eventId: string;
  action: UserAction;
  userId: string;
  occurredMs: number | undefined;
  receivedMs: number;
  /** Set when the request was split out of a batch event that listed its users. */
  batchAction?: BatchAction;
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
  /** Requests that started new durable work. */
  started: number;
  /** Requests whose event id had already been taken (an earlier delivery of the same event). */
  duplicates: number;
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
      /** Deduplicated by event id within the delivery. */
      events: SinkWork;
      /** In-delivery duplicates dropped from `events`. */
      duplicates: number;
      duplicatesByAction: ReadonlyMap<string, number>;
      /** Events whose action the sync does not act on. */
      ignored: number;
      ignoredByAction: ReadonlyMap<string, number>;
    }
  | { ok: false; status: 400; code: string; message: string };
