export const RATE_LIMIT_CLASSES = ['search', 'load', 'create', 'update', 'delete', 'audit'] as const;
export type RateLimitClass = (typeof RATE_LIMIT_CLASSES)[number];

export interface RateLimitRule {
  limit: number;
  windowMs: number;
  /** How long every request is refused after the first 429; 0 refuses only until the window frees a slot. */
  blockMs: number;
}

export type RateLimitRules = Record<RateLimitClass, RateLimitRule | false>;
/** `false` turns every limit off; a class set to `false` turns that one off; omitted classes keep Descope's. */
export type RateLimitConfig = false | Partial<Record<RateLimitClass, RateLimitRule | false>>;

const MINUTE = 60_000;

/** docs.descope.com/rate-limiting. Loads and deletes have no documented limit, so none is applied by default. */
export const DESCOPE_RATE_LIMITS: RateLimitRules = {
  search: { limit: 200, windowMs: MINUTE, blockMs: MINUTE },
  create: { limit: 100, windowMs: MINUTE, blockMs: MINUTE },
  update: { limit: 200, windowMs: MINUTE, blockMs: MINUTE },
  audit: { limit: 10, windowMs: MINUTE, blockMs: 0 },
  load: false,
  delete: false,
};

export function resolveRateLimits(config: RateLimitConfig | undefined): RateLimitRules {
  if (config === false)
    return { search: false, load: false, create: false, update: false, delete: false, audit: false };
  return { ...DESCOPE_RATE_LIMITS, ...config };
}

export type RateVerdict = { ok: true } | { ok: false; retryAfterSec: number };

interface Bucket {
  hits: number[];
  blockedUntil: number;
}

/** A sliding window per class and project, on an injectable clock so tests can step time instead of sleeping. */
export class RateLimiter {
  private buckets = new Map<RateLimitClass, Bucket>();

  constructor(
    private rules: RateLimitRules,
    private readonly now: () => number,
  ) {}

  configure(config: RateLimitConfig): void {
    this.rules = config === false ? resolveRateLimits(false) : { ...this.rules, ...config };
    this.reset();
  }

  current(): RateLimitRules {
    return { ...this.rules };
  }

  reset(): void {
    this.buckets = new Map();
  }

  check(rateClass: RateLimitClass): RateVerdict {
    const rule = this.rules[rateClass];
    if (!rule) return { ok: true };
    const now = this.now();
    const bucket = this.buckets.get(rateClass) ?? { hits: [], blockedUntil: 0 };
    this.buckets.set(rateClass, bucket);
    if (bucket.blockedUntil > now) return refuse(bucket.blockedUntil - now);
    while (bucket.hits.length > 0 && (bucket.hits[0] ?? 0) <= now - rule.windowMs) bucket.hits.shift();
    if (bucket.hits.length < rule.limit) {
      bucket.hits.push(now);
      return { ok: true };
    }
    if (rule.blockMs > 0) {
      bucket.blockedUntil = now + rule.blockMs;
      return refuse(rule.blockMs);
    }
    return refuse((bucket.hits[0] ?? now) + rule.windowMs - now);
  }
}

/** `Retry-After` is whole seconds and never 0, or clients would retry at once. */
function refuse(waitMs: number): RateVerdict {
  return { ok: false, retryAfterSec: Math.max(1, Math.ceil(waitMs / 1000)) };
}
