import type { IncomingHttpHeaders } from 'node:http';

export type AuthOutcome =
  { ok: true } | { ok: false; status: 401 | 503; code: string; message: string; reason: string; challenge?: string };

/** Checks a delivery's headers; reads nothing else, so it runs before the body is read. */
export type Authenticator = (headers: IncomingHttpHeaders) => Promise<AuthOutcome>;

export const REALM = 'realm="descope-sync"';
export const ACCEPT: AuthOutcome = { ok: true };

/** One message for every failure: which part was wrong goes to the log (`reason`), never to the sender. */
export function rejected(reason: string, challenge?: string): AuthOutcome {
  const message = 'missing or invalid credentials';
  return { ok: false, status: 401, code: 'unauthorized', message, reason, ...(challenge ? { challenge } : {}) };
}

export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  return /^Bearer +(\S+) *$/i.exec(headers.authorization ?? '')?.[1];
}
