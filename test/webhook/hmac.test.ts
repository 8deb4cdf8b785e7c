import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvent, errorCode, startApp, type TestApp } from './fixtures.js';

const SECRET = 'hmac-secret-5d1e';
const HEADER = 'x-descope-webhook-s256';
const sign = (payload: string, secret = SECRET) => createHmac('sha256', secret).update(payload).digest('base64');

let app: TestApp;
beforeAll(async () => (app = await startApp({ auth: 'bearer', token: 'tok-hmac', hmacSecret: SECRET })));
afterAll(() => app.close());

const auth = { authorization: 'Bearer tok-hmac' };
// Pretty-printed on purpose: its raw bytes differ from JSON.stringify of the parsed value.
const body = JSON.stringify([auditEvent()], null, 2);

describe('HMAC signature (x-descope-webhook-s256)', () => {
  it('accepts a signature over the raw bytes', async () => {
    const reply = await app.post(body, { ...auth, [HEADER]: sign(body) });
    expect(reply.status).toBe(200);
  });

  it('accepts a signature over the re-serialised JSON when the raw bytes differ', async () => {
    const reply = await app.post(body, { ...auth, [HEADER]: sign(JSON.stringify(JSON.parse(body))) });
    expect(reply.status).toBe(200);
  });

  it.each<[string, Record<string, string>]>([
    ['missing', {}],
    ['signed with another secret', { [HEADER]: sign(body, 'other-secret') }],
    ['not base64 at all', { [HEADER]: '!!!' }],
    ['hex instead of base64', { [HEADER]: createHmac('sha256', SECRET).update(body).digest('hex') }],
  ])('rejects a signature that is %s with 401 and never calls the sink', async (_label, headers) => {
    const before = app.sink.calls.length;
    const reply = await app.post(body, { ...auth, ...headers });
    expect(reply.status).toBe(401);
    expect(errorCode(reply)).toBe('invalid_signature');
    expect(app.sink.calls.length).toBe(before);
  });

  it('rejects a replayed valid body carrying a signature of a different body', async () => {
    const other = JSON.stringify([auditEvent({ userId: 'U-other' })]);
    const before = app.sink.calls.length;
    const reply = await app.post(body, { ...auth, [HEADER]: sign(other) });
    expect(reply.status).toBe(401);
    expect(app.sink.calls.length).toBe(before);
  });

  it('rejects a tampered body under the original signature', async () => {
    const tampered = body.replace('Jane Q. Doe', 'Mallory');
    const reply = await app.post(tampered, { ...auth, [HEADER]: sign(body) });
    expect(reply.status).toBe(401);
  });

  it('answers 401, not 400, to malformed JSON whose signature does not match', async () => {
    const reply = await app.post('{not json', { ...auth, [HEADER]: sign('{}') });
    expect(reply.status).toBe(401);
  });

  it('answers 401 rather than failing on a very deep body whose signature does not match', async () => {
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    const reply = await app.post(deep, { ...auth, [HEADER]: sign('[]') });
    expect(reply.status).toBe(401);
  });

  it('still checks the credentials first: a valid signature without the token is a 401 unauthorized', async () => {
    const reply = await app.post(body, { [HEADER]: sign(body) });
    expect(reply.status).toBe(401);
    expect(errorCode(reply)).toBe('unauthorized');
  });
});
