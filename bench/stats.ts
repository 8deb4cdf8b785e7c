/** Small statistics over measured samples. */

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile; 0 for no samples. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(Math.max(Math.ceil((p / 100) * sorted.length), 1), sorted.length);
  return sorted[rank - 1]!;
}

/** Counts per whole second since `startMs`: index i holds the amount in [i s, i+1 s). */
export function perSecond(events: { atMs: number; amount: number }[], startMs: number, endMs: number): number[] {
  const seconds = Math.max(Math.ceil((endMs - startMs) / 1000), 1);
  const buckets = new Array<number>(seconds).fill(0);
  for (const { atMs, amount } of events) {
    const i = Math.min(Math.max(Math.floor((atMs - startMs) / 1000), 0), seconds - 1);
    buckets[i]! += amount;
  }
  return buckets;
}

export const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

export const elapsed = (startMs: number): number => performance.now() - startMs;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
