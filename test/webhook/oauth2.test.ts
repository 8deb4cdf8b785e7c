import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvent, closeServer, errorCode, startApp, type TestApp } from './fixtures.js';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'descope-sync-webhook';
const KID = 'key-1';

let jwks: Server;
let jwksUrl: string;
let key: CryptoKey;
let otherKey: CryptoKey;
let app: TestApp;

interface TokenOptions {
  issuer?: string;
  audience?: string;
  expires?: string | number;
  signWith?: CryptoKey;
  kid?: string;
}

function token(options: TokenOptions = {}): Promise<string> {
  return new SignJWT({ scope: 'webhook' })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? KID })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setSubject('descope-connector')
    .setIssuedAt()
    .setExpirationTime(options.expires ?? '5m')
    .sign(options.signWith ?? key);
}

/** An unsecured JWT ("alg": "none") carrying otherwise valid claims. */
function unsecuredToken(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none', kid: KID })}.${part({ iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 300 })}.`;
}

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  key = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  const idp = express();
  idp.get('/jwks.json', (_req, res) => {
    res.json({ keys: [jwk] });
  });
  jwks = createServer(idp).listen(0, '127.0.0.1');
  await once(jwks, 'listening');
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  app = await startApp({ auth: 'oauth2', jwksUrl, jwtIssuer: ISSUER, jwtAudience: AUDIENCE });
});

afterAll(async () => {
  await app.close();
  await closeServer(jwks);
});

describe('auth oauth2 (bearer JWT verified against a JWKS)', () => {
  it('accepts a valid token from the configured issuer for the configured audience', async () => {
    const reply = await app.post([auditEvent()], { authorization: `Bearer ${await token()}` });
    expect(reply.status).toBe(200);
    expect(app.sink.calls).toHaveLength(1);
  });

  it.each<[string, () => Promise<string> | string]>([
    ['a wrong issuer', () => token({ issuer: 'https://evil.example.test/' })],
    ['a wrong audience', () => token({ audience: 'someone-else' })],
    ['an expired token', () => token({ expires: Math.floor(Date.now() / 1000) - 3600 })],
    ['a token signed by another key under the same kid', () => token({ signWith: otherKey })],
    ['a token signed by another key under an unknown kid', () => token({ signWith: otherKey, kid: 'key-9' })],
    ['an unsecured token (alg none)', () => unsecuredToken()],
    ['a string that is not a JWT', () => 'not-a-jwt'],
  ])('rejects %s with 401 invalid_token', async (_label, make) => {
    const before = app.sink.calls.length;
    const reply = await app.post([auditEvent()], { authorization: `Bearer ${await make()}` });
    expect(reply.status).toBe(401);
    expect(errorCode(reply)).toBe('unauthorized');
    expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer realm="descope-sync", error="invalid_token"$/);
    expect(app.sink.calls.length).toBe(before);
  });

  it('rejects a delivery without a bearer token with a plain Bearer challenge', async () => {
    const reply = await app.post([auditEvent()]);
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="descope-sync"');
  });

  it('answers 503 with Retry-After when the JWKS cannot be fetched, since the sender is not at fault', async () => {
    const unreachable = await startApp({ auth: 'oauth2', jwksUrl: 'http://127.0.0.1:9/jwks.json', jwtIssuer: ISSUER });
    try {
      const reply = await unreachable.post([auditEvent()], { authorization: `Bearer ${await token()}` });
      expect(reply.status).toBe(503);
      expect(errorCode(reply)).toBe('auth_unavailable');
      expect(reply.headers.get('retry-after')).toBe('5');
      expect(unreachable.sink.calls).toHaveLength(0);
    } finally {
      await unreachable.close();
    }
  });
});
