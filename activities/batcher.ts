import { abortReason } from './budget';

/** Sends one request for many ids and answers each id (every id it was given must have an answer). */
export type FlushFn<R> = (ids: string[]) => Promise<Map<string, R>>;

export interface BatcherOptions {
  /** Ids per request (Descope's batch load and search take 100). */
  maxBatch: number;
  /** How long the first pending id waits for others before a partial batch is sent. */
  lingerMs: number;
  /** Requests in flight at once; ids arriving meanwhile wait and fill the next one. Default 2. */
  maxInFlight?: number;
}

interface Pending<R> {
  promise: Promise<R>;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces the ids of every concurrent caller in this process into requests of up to `maxBatch` ids: a
 * batch goes when it is full, or `lingerMs` after its first id arrived, and only while fewer than
 * `maxInFlight` requests are in flight (a slow request lets the next one fill up instead). A caller whose id is already
 * waiting joins that id's request; an id whose request has been SENT is queued again, because that read may
 * predate the caller's event. Callers wait only for their own ids; a failed request fails its callers, who
 * retry (as Temporal activities).
 */
export class Batcher<R> {
  private pending = new Map<string, Pending<R>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The linger of the oldest waiting id has passed: send as soon as a request may go. */
  private due = false;
  private inFlight = 0;

  constructor(
    private readonly flushFn: FlushFn<R>,
    private readonly options: BatcherOptions,
  ) {}

  /** Each id's answer; rejects with its request's failure, or with `signal`'s reason when it aborts first. */
  request(ids: string[], signal?: AbortSignal): Promise<Map<string, R>> {
    const unique = [...new Set(ids)];
    const waits = unique.map((id) => this.join(id).promise);
    this.schedule();
    const all = Promise.all(waits).then((answers) => new Map(unique.map((id, i) => [id, answers[i]!])));
    return signal ? abortable(all, signal) : all;
  }

  /** Ids waiting for a request (for tests and metrics). */
  get waiting(): number {
    return this.pending.size;
  }

  private join(id: string): Pending<R> {
    const existing = this.pending.get(id);
    if (existing) return existing;
    let resolve!: (value: R) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<R>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {}); // a caller that aborted no longer listens; its failure is still its request's
    const entry = { promise, resolve, reject };
    this.pending.set(id, entry);
    return entry;
  }

  private schedule(): void {
    const maxInFlight = this.options.maxInFlight ?? 2;
    while (
      this.inFlight < maxInFlight &&
      (this.pending.size >= this.options.maxBatch || (this.due && this.pending.size > 0))
    ) {
      this.flush();
    }
    if (this.pending.size === 0) {
      this.due = false;
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (!this.timer && !this.due) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.due = true;
        this.schedule();
      }, this.options.lingerMs);
    }
  }

  /** Sends the oldest `maxBatch` waiting ids as one request. */
  private flush(): void {
    const batch = [...this.pending.entries()].slice(0, this.options.maxBatch);
    for (const [id] of batch) this.pending.delete(id);
    const settle = (answers: Map<string, R>) => {
      for (const [id, entry] of batch) {
        if (answers.has(id)) entry.resolve(answers.get(id)!);
        else entry.reject(new Error(`no answer for ${id}`));
      }
    };
    const ids = batch.map(([id]) => id);
    this.inFlight += 1;
    Promise.resolve(ids)
      .then(this.flushFn)
      .then(settle, (error: unknown) => {
        for (const [, entry] of batch) entry.reject(error);
      })
      .finally(() => {
        this.inFlight -= 1;
        this.schedule();
      });
  }
}

/** Rejects as soon as `signal` aborts; the underlying work goes on for whoever else waits on it. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
