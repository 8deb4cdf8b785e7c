import type { DescopeUser } from '../types';
import { compareIds } from './order';

const INDEX_RANGE = 2 ** 22;

/**
 * Sorts users by (seconds, userId). A comparator sort of a million objects takes seconds; sorting packed numeric
 * keys natively and then ordering the few runs of equal seconds by userId takes a fraction of that.
 */
export function sortByTime(users: DescopeUser[], secondsOf: (user: DescopeUser) => number): DescopeUser[] {
  const fallback = (): DescopeUser[] =>
    [...users].sort((a, b) => secondsOf(a) - secondsOf(b) || compareIds(a.userId, b.userId));
  if (isSorted(users, secondsOf)) return [...users];
  if (users.length >= INDEX_RANGE) return fallback();
  const keys = new Float64Array(users.length);
  for (let i = 0; i < users.length; i++) {
    const seconds = secondsOf(users[i] as DescopeUser);
    // Packing stays exact below 2^53 only for non-negative whole seconds under 2^31.
    if (!Number.isInteger(seconds) || seconds < 0 || seconds >= 2 ** 31) return fallback();
    keys[i] = seconds * INDEX_RANGE + i;
  }
  keys.sort();
  const sorted = new Array<DescopeUser>(users.length);
  for (let i = 0; i < keys.length; i++) sorted[i] = users[(keys[i] as number) % INDEX_RANGE] as DescopeUser;
  sortTies(sorted, secondsOf);
  return sorted;
}

/** Seeds arrive in creation order already; checking is far cheaper than sorting. */
function isSorted(users: DescopeUser[], secondsOf: (user: DescopeUser) => number): boolean {
  for (let i = 1; i < users.length; i++) {
    const a = users[i - 1] as DescopeUser;
    const b = users[i] as DescopeUser;
    const order = secondsOf(a) - secondsOf(b) || compareIds(a.userId, b.userId);
    if (order > 0) return false;
  }
  return true;
}

/** Orders each run of equal seconds by userId, in place; the runs themselves must already be in order. */
export function sortTies(sorted: DescopeUser[], secondsOf: (user: DescopeUser) => number): void {
  let start = 0;
  for (let i = 1; i <= sorted.length; i++) {
    const same = i < sorted.length && secondsOf(sorted[i] as DescopeUser) === secondsOf(sorted[start] as DescopeUser);
    if (same) continue;
    if (i - start > 1) {
      const run = sorted.slice(start, i).sort((a, b) => compareIds(a.userId, b.userId));
      for (let k = 0; k < run.length; k++) sorted[start + k] = run[k] as DescopeUser;
    }
    start = i;
  }
}

/** Merges two lists already sorted by `compare`. */
export function mergeSorted(
  a: DescopeUser[],
  b: DescopeUser[],
  compare: (x: DescopeUser, y: DescopeUser) => number,
): DescopeUser[] {
  const out = new Array<DescopeUser>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const left = a[i] as DescopeUser;
    const right = b[j] as DescopeUser;
    if (compare(left, right) <= 0) {
      out[k++] = left;
      i++;
    } else {
      out[k++] = right;
      j++;
    }
  }
  while (i < a.length) out[k++] = a[i++] as DescopeUser;
  while (j < b.length) out[k++] = b[j++] as DescopeUser;
  return out;
}
