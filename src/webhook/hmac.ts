import { createHmac } from 'node:crypto';
import { safeEqual } from './secrets';

export const SIGNATURE_HEADER = 'x-descope-webhook-s256';

export function sign(secret: string, payload: Uint8Array | string): string {
  return createHmac('sha256', secret).update(payload).digest('base64');
}

/**
 * Descope says it signs "a JSON string, not the raw post body" while its examples sign the body, so a signature
 * over either the raw bytes or `JSON.stringify` of the parsed body is accepted. `parsed` is only called when
 * the raw bytes do not match.
 */
export function signatureMatches(
  secret: string,
  signature: string,
  raw: Uint8Array,
  parsed: () => { ok: true; value: unknown } | { ok: false },
): boolean {
  if (safeEqual(signature.trim(), sign(secret, raw))) return true;
  const json = parsed();
  const text = json.ok ? reserialise(json.value) : undefined;
  return text !== undefined && safeEqual(signature.trim(), sign(secret, text));
}

/** JSON.stringify recurses: a hostile, very deep body must fail the check rather than throw a RangeError. */
function reserialise(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}
