import type { Prng } from '../prng';

/** About one group in a thousand is a bulk import: 50-500 users created in the same second. */
const CLUSTER_CHANCE = 1 / 1000;

/**
 * Ascending creation seconds for `count` users spread over `[endSec - spanSec, endSec]`. Bulk imports put many
 * users in one second, which is exactly what breaks naive "after the last createdTime" paging, so every stream of
 * 100 or more users gets at least one such cluster.
 */
export function creationTimes(prng: Prng, count: number, endSec: number, spanSec: number): Float64Array {
  const sizes = groupSizes(prng, count);
  const times = new Float64Array(count);
  const slot = spanSec / Math.max(sizes.length, 1);
  const start = endSec - spanSec;
  let at = 0;
  sizes.forEach((size, group) => {
    const second = Math.min(endSec, Math.floor(start + group * slot + prng.next() * slot));
    times.fill(second, at, at + size);
    at += size;
  });
  return times;
}

function groupSizes(prng: Prng, count: number): number[] {
  const sizes: number[] = [];
  const forcedAt = count >= 100 ? Math.floor(count / 2) : Infinity;
  let placed = 0;
  let clustered = false;
  while (placed < count) {
    const left = count - placed;
    let size = 1;
    if (prng.chance(CLUSTER_CHANCE)) size = Math.min(left, prng.int(50, 500));
    else if (!clustered && placed >= forcedAt) size = Math.min(left, prng.int(50, Math.max(50, Math.floor(count / 4))));
    clustered ||= size > 1;
    sizes.push(size);
    placed += size;
  }
  return sizes;
}

/** Seconds at which a bulk update (a role migration, say) touched many users at once. */
export function bulkUpdateSeconds(prng: Prng, count: number, endSec: number, spanSec: number): number[] {
  const seconds = Array.from({ length: Math.max(1, Math.floor(count / 2000)) }, () =>
    Math.floor(endSec - prng.next() * spanSec),
  );
  return seconds.sort((a, b) => a - b);
}

/**
 * Nearly half the users were never modified after creation; one in twenty was last touched by a bulk update;
 * the rest at some later moment. Never earlier than creation.
 */
export function modificationTime(prng: Prng, createdSec: number, endSec: number, bulk: readonly number[]): number {
  const roll = prng.next();
  if (roll < 0.45) return createdSec;
  if (roll < 0.5) {
    const first = lowerBound(bulk, createdSec);
    if (first < bulk.length) return bulk[prng.int(first, bulk.length - 1)] ?? createdSec;
    return createdSec;
  }
  return createdSec + Math.floor(prng.next() * (endSec - createdSec + 1));
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
