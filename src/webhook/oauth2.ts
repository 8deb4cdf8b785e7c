import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ACCEPT, REALM, rejected, type AuthOutcome } from './credentials';

/** Asymmetric algorithms only: an HMAC "alg" must never be checked against a public key, and "none" never passes. */
const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** jose error codes that mean "this token is not acceptable"; anything else means we could not check it. */
const TOKEN_FAULTS = new Set([
  'ERR_JWT_EXPIRED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_INVALID',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
]);

export interface JwtOptions {
  jwksUrl: string;
  issuer: string | undefined;
  audience: string | undefined;
}

/**
 * Verifies OAuth2 client-credentials access tokens (JWTs) against a JWKS that jose fetches and caches. An
 * unreachable JWKS is our outage, not the sender's fault, so it answers 503 and Descope retries later.
 */
export function createJwtVerifier(options: JwtOptions): (token: string) => Promise<AuthOutcome> {
  const keys = createRemoteJWKSet(new URL(options.jwksUrl));
  const claims = {
    algorithms: ALGORITHMS,
    clockTolerance: 5,
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  };
  return async (token) => {
    try {
      await jwtVerify(token, keys, claims);
      return ACCEPT;
    } catch (error) {
      const code = errorCode(error);
      if (TOKEN_FAULTS.has(code)) return rejected(code, `Bearer ${REALM}, error="invalid_token"`);
      return {
        ok: false,
        status: 503,
        code: 'auth_unavailable',
        message: 'cannot verify credentials now',
        reason: code,
      };
    }
  };
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) return String(error.code);
  return error instanceof Error ? error.name : 'unknown';
}
