/** The endpoint classes requests are counted under; admin calls are not counted. */
export type EndpointName =
  'license' | 'search' | 'load' | 'loadUsers' | 'create' | 'update' | 'delete' | 'audit' | 'unknown';

/** Requests by endpoint class and HTTP status, so tests can assert exactly how many calls a product made. */
export class RequestCounters {
  private counts = new Map<string, Map<number, number>>();

  record(endpoint: string, status: number): void {
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

  reset(): void {
    this.counts = new Map();
  }
}
