import { createPrng, type Prng } from '../prng';
import type { AuditEvent } from '../types';
import { WebhookAuthenticator } from './authHeaders';
import {
  emptyStats,
  mergeWebhookOptions,
  WEBHOOK_DEFAULTS,
  type ResolvedWebhookOptions,
  type SenderStats,
  type WebhookSenderOptions,
} from './options';
import { toWebhookEvent, signature } from './payload';
import { planBatches, type PlannedBatch } from './plan';
import { postBatch, type Attempt } from './post';

interface Logger {
  warn(...args: unknown[]): void;
}

/**
 * Delivers audit events to a webhook URL the way Descope's audit connector does: delayed, batched (arrays of up
 * to 100), optionally signed, retried with backoff. Knobs add the failures a receiver must survive: duplicates,
 * reordering, drops. Deliveries run one at a time, so without reordering events arrive in the order they happened.
 */
export class WebhookSender {
  private options: ResolvedWebhookOptions;
  private prng: Prng;
  private readonly auth: WebhookAuthenticator;
  private pending: AuditEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly waits = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private readonly requests = new Set<AbortController>();
  private counts: Omit<SenderStats, 'pending'> = emptyStats();

  /** `now` (epoch ms) times OAuth2 token expiry. */
  constructor(
    options: WebhookSenderOptions,
    now: () => number,
    private readonly logger?: Logger,
  ) {
    this.options = mergeWebhookOptions(WEBHOOK_DEFAULTS, options);
    this.prng = createPrng(this.options.seed);
    this.auth = new WebhookAuthenticator(now);
  }

  configure(changes: WebhookSenderOptions): void {
    this.options = mergeWebhookOptions(this.options, changes);
    if (changes.seed !== undefined) this.prng = createPrng(changes.seed);
    if (changes.auth) this.auth.invalidate();
    if (!this.options.enabled || !this.options.url) this.discardPending();
  }

  current(): ResolvedWebhookOptions {
    return { ...this.options, retry: { ...this.options.retry } };
  }

  stats(): SenderStats {
    return { ...this.counts, pending: this.pending.length };
  }

  resetStats(): void {
    this.counts = emptyStats();
  }

  enqueue(events: readonly AuditEvent[]): void {
    if (this.closed || !this.options.enabled || !this.options.url) {
      this.counts.skipped += events.length;
      return;
    }
    this.pending.push(...events);
    this.counts.enqueued += events.length;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, this.options.delayMs);
  }

  /** Delivers everything pending now, and resolves once every delivery, retries included, has finished. */
  async flush(): Promise<void> {
    this.cancelTimer();
    await this.drain();
    this.cancelTimer();
  }

  /** Stops at once: pending events are discarded, waits cut short, requests in flight aborted. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimer();
    this.discardPending();
    for (const wait of this.waits) {
      clearTimeout(wait.timer);
      wait.resolve();
    }
    for (const request of this.requests) request.abort();
    await this.chain;
  }

  private drain(): Promise<void> {
    const run = this.chain.then(() => this.deliverPending());
    this.chain = run.catch((error: unknown) => this.logger?.warn('webhook delivery failed', error));
    return this.chain;
  }

  private async deliverPending(): Promise<void> {
    while (this.pending.length > 0 && !this.closed) {
      const plan = planBatches(this.pending.splice(0), this.options, this.prng);
      this.options.dropNext = plan.dropNext;
      this.options.duplicateNext = plan.duplicateNext;
      for (const batch of plan.batches) await this.deliverBatch(batch);
    }
  }

  private async deliverBatch(batch: PlannedBatch): Promise<void> {
    if (batch.drop) {
      this.counts.dropped++;
      return;
    }
    const body = Buffer.from(JSON.stringify(batch.events.map((event) => toWebhookEvent(event, this.options))));
    await this.deliverWithRetries(body, batch.events.length);
    if (batch.duplicate && !this.closed) {
      this.counts.duplicated++;
      await this.deliverWithRetries(body, batch.events.length);
    }
  }

  private async deliverWithRetries(body: Buffer, eventCount: number): Promise<void> {
    const { retry } = this.options;
    for (let attempt = 1; !this.closed; attempt++) {
      const result = await this.post(body);
      if (result.ok) {
        this.counts.acked++;
        this.counts.eventsDelivered += eventCount;
        return;
      }
      this.counts.lastError = result.error;
      const retryable = result.status === undefined ? retry.retryConnectionErrors : retry.retryNon2xx;
      if (!retryable || attempt >= retry.attempts) {
        this.counts.failed++;
        this.logger?.warn(`webhook batch of ${eventCount} events given up: ${result.error}`);
        return;
      }
      this.counts.retried++;
      await this.wait(Math.min(result.retryAfterMs ?? retry.backoffMs * 2 ** (attempt - 1), retry.maxDelayMs));
    }
  }

  private async post(body: Buffer): Promise<Attempt> {
    const { url, auth, headers, hmacSecret, timeoutMs } = this.options;
    if (!url) return { ok: false, error: 'no webhook URL' };
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    this.requests.add(controller);
    this.counts.sent++;
    const allHeaders = async (): Promise<Record<string, string>> => ({
      ...headers,
      ...(await this.auth.headers(auth, controller.signal)),
      'content-type': 'application/json',
      ...(hmacSecret ? { 'x-descope-webhook-s256': signature(hmacSecret, body) } : {}),
    });
    try {
      const attempt = await postBatch(url, body, allHeaders, controller.signal);
      if (!attempt.ok && attempt.status === 401) this.auth.invalidate();
      return attempt;
    } finally {
      clearTimeout(timeout);
      this.requests.delete(controller);
    }
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.waits.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.waits.add(entry);
    });
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private discardPending(): void {
    this.counts.skipped += this.pending.length;
    this.pending = [];
  }
}
