import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time string comparison. Hashing both sides first makes the buffers equal in length, so neither the
 * content nor the length of the expected secret leaks through timing.
 */
export function safeEqual(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
