/** The endpoint classes requests are counted under; admin calls are not counted. */
export type EndpointName =
  'license' | 'search' | 'load' | 'loadUsers' | 'create' | 'update' | 'delete' | 'audit' | 'unknown';

/** Requests by endpoint class and HTTP status, so tests can assert exactly how many calls a product made. */
/** One counted request, for tests that assert timing (waits after a 429, request rates). */
export interface RequestLogEntry {
  endpoint: string;
  status: number;
  at: number;
  /** What kind of call of its endpoint it was, where tests tell them apart: `userIds` for a search by ids. */
  kind?: string;
}

const LOG_LIMIT = 100_000;

export class RequestCounters {
  private counts = new Map<string, Map<number, number>>();
  private entries: RequestLogEntry[] = [];

  record(endpoint: string, status: number, kind?: string): void {
    this.entries.push({ endpoint, status, at: Date.now(), ...(kind && { kind }) });
    if (this.entries.length > LOG_LIMIT) this.entries.splice(0, this.entries.length - LOG_LIMIT);
    const byStatus = this.counts.get(endpoint) ?? new Map<number, number>();
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    this.counts.set(endpoint, byStatus);
  }

  get(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [endpoint, byStatus] of this.counts) out[endpoint] = Object.fromEntries(byStatus);
    return out;
  }

  total(endpoint: string, status?: number): number {
    const byStatus = this.counts.get(endpoint);
    if (!byStatus) return 0;
    if (status !== undefined) return byStatus.get(status) ?? 0;
    let sum = 0;
    for (const count of byStatus.values()) sum += count;
    return sum;
  }

  /** The most recent requests (up to 100,000), oldest first. */
  log(endpoint?: string): RequestLogEntry[] {
    return endpoint ? this.entries.filter((e) => e.endpoint === endpoint) : [...this.entries];
  }
  reset(): void {
    this.counts = new Map();
    this.entries = [];
  }
}
