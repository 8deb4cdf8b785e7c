/** The audit webhook connector's authentication modes. */
export type WebhookAuth =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  /** `header` names the header that carries `key`, e.g. `x-api-key`. */
  | { type: 'apikey'; header: string; key: string }
  | { type: 'basic'; username: string; password: string }
  /** Client credentials: the sender fetches a token from `tokenUrl` and sends it as a Bearer. */
  | { type: 'oauth2'; tokenUrl: string; clientId: string; clientSecret: string; scope?: string }
  /** Or it is simply handed tokens. */
  | { type: 'oauth2'; tokenProvider: () => Promise<string> };

export interface RetryOptions {
  /** Total attempts per batch, the first included; 1 never retries. */
  attempts: number;
  /** Doubles after each failed attempt. */
  backoffMs: number;
  /** Cap on any wait, including a server's Retry-After. */
  maxDelayMs: number;
  retryNon2xx: boolean;
  retryConnectionErrors: boolean;
}

/** Everything optional: the defaults model Descope's documented "delayed, batched" delivery. */
export interface WebhookSenderOptions {
  /** Off: events are not queued at all ("webhooks off" mode). */
  enabled?: boolean;
  url?: string;
  auth?: WebhookAuth;
  headers?: Record<string, string>;
  /** Adds `x-descope-webhook-s256` = base64(HMAC-SHA256(secret, exact bytes sent)). */
  hmacSecret?: string;
  /** How long events wait, from the first one queued, before a delivery round (Descope throttles). */
  delayMs?: number;
  /** Events per POST, at most 100. */
  maxBatch?: number;
  /** Probability that a batch is delivered a second time. */
  duplicateRate?: number;
  /** The next N batches are delivered twice. */
  duplicateNext?: number;
  /** Shuffle events inside each batch, across batches (events change batch and batches change order), or both. */
  reorder?: boolean | 'within' | 'across';
  /** Probability that a batch is silently never sent. */
  dropRate?: number;
  /** The next N batches are never sent. */
  dropNext?: number;
  retry?: Partial<RetryOptions>;
  /** Batch events carry `data.userIds`; false omits them, leaving receivers only the time window to reconcile. */
  batchEventsNameUsers?: boolean;
  /** Adds each event's `ID` (Descope documents it only for audit search records). */
  includeEventIds?: boolean;
  /** Per POST. */
  timeoutMs?: number;
  /** Seed of the PRNG behind duplicates, drops and shuffles. */
  seed?: number;
}

export interface ResolvedWebhookOptions extends Required<Omit<WebhookSenderOptions, 'url' | 'hmacSecret' | 'retry'>> {
  url: string | undefined;
  hmacSecret: string | undefined;
  retry: RetryOptions;
}

export const WEBHOOK_DEFAULTS: ResolvedWebhookOptions = {
  enabled: true,
  url: undefined,
  auth: { type: 'none' },
  headers: {},
  hmacSecret: undefined,
  delayMs: 200,
  maxBatch: 100,
  duplicateRate: 0,
  duplicateNext: 0,
  reorder: false,
  dropRate: 0,
  dropNext: 0,
  retry: { attempts: 4, backoffMs: 250, maxDelayMs: 30_000, retryNon2xx: true, retryConnectionErrors: true },
  batchEventsNameUsers: true,
  includeEventIds: false,
  timeoutMs: 10_000,
  seed: 1,
};

/** Keys present in `changes` win, even when `undefined` for the optional ones (to clear a URL or secret). */
export function mergeWebhookOptions(
  current: ResolvedWebhookOptions,
  changes: WebhookSenderOptions,
): ResolvedWebhookOptions {
  const next: ResolvedWebhookOptions = { ...current, retry: { ...current.retry, ...changes.retry } };
  for (const [key, value] of Object.entries(changes)) {
    if (key === 'retry') continue;
    if (value !== undefined || key === 'url' || key === 'hmacSecret') Object.assign(next, { [key]: value });
  }
  next.maxBatch = Math.min(100, Math.max(1, Math.floor(next.maxBatch)));
  return next;
}

export interface SenderStats {
  /** Events accepted for delivery. */
  enqueued: number;
  /** Events not queued because the sender was disabled or had no URL. */
  skipped: number;
  /** Events waiting for the next delivery round. */
  pending: number;
  /** POSTs made, retries and duplicates included. */
  sent: number;
  /** POSTs answered 2xx. */
  acked: number;
  /** Batches given up after their last attempt. */
  failed: number;
  /** Batches deliberately never sent. */
  dropped: number;
  /** Extra deliveries of a batch. */
  duplicated: number;
  /** Attempts after the first. */
  retried: number;
  /** Events in acknowledged POSTs, duplicates included. */
  eventsDelivered: number;
  lastError: string | undefined;
}

export function emptyStats(): Omit<SenderStats, 'pending'> {
  return {
    enqueued: 0,
    skipped: 0,
    sent: 0,
    acked: 0,
    failed: 0,
    dropped: 0,
    duplicated: 0,
    retried: 0,
    eventsDelivered: 0,
    lastError: undefined,
  };
}
