import type { Prng } from './prng';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CODES = Array.from(ALPHABET, (char) => char.charCodeAt(0));

/**
 * Descope ids are a type letter, a version digit `2` and 26 base62 characters (`U2b2Jq9PXd6OBWIe7jOJ8aFbouGy`):
 * U for users, P for projects, K for management keys, T for tenants.
 */
export function descopeId(prefix: 'U' | 'P' | 'K' | 'T', prng: Prng): string {
  return prefix + '2' + randomToken(prng, 26);
}

/**
 * Five base62 characters per PRNG draw (62^5 < 2^32), built from char codes in one step: a million ids made
 * by `+=` would leave a million deep cons strings to flatten later.
 */
export function randomToken(prng: Prng, length: number): string {
  const codes = new Array<number>(length);
  let bits = 0;
  for (let i = 0; i < length; i++) {
    if (i % 5 === 0) bits = Math.floor(prng.next() * 4294967296);
    codes[i] = CODES[bits % 62] ?? 48;
    bits = Math.floor(bits / 62);
  }
  return String.fromCharCode(...codes);
}
