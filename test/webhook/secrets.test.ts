import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SinkUnavailableError } from '../../src/webhook/errors.js';
import { auditEvent, RecordingSink, startApp, WEBHOOK_PATH, type Reply, type TestApp } from './fixtures.js';

const SECRETS = {
  token: 'tok-SECRET-a1b2c3',
  apiKey: 'key-SECRET-d4e5f6',
  basicPassword: 'pw-SECRET-g7h8i9',
  hmacSecret: 'hmac-SECRET-j0k1l2',
};
const basicHeader = (password: string) => `Basic ${Buffer.from(`descope:${password}`).toString('base64')}`;
const sign = (body: string) => createHmac('sha256', SECRETS.hmacSecret).update(body).digest('base64');
const forbidden = [...Object.values(SECRETS), basicHeader(SECRETS.basicPassword).slice(6)];

const modes = [
  {
    auth: 'bearer',
    good: { authorization: `Bearer ${SECRETS.token}` },
    bad: { authorization: `Bearer ${SECRETS.token}x` },
  },
  { auth: 'apikey', good: { 'x-api-key': SECRETS.apiKey }, bad: { 'x-api-key': `${SECRETS.apiKey}x` } },
  {
    auth: 'basic',
    good: { authorization: basicHeader(SECRETS.basicPassword) },
    bad: { authorization: basicHeader(`${SECRETS.basicPassword}x`) },
  },
] as const;

describe.each(modes)('no secret leaks (auth $auth with HMAC)', ({ auth, good, bad }) => {
  const sink = new RecordingSink();
  let app: TestApp;
  const replies: Reply[] = [];
  beforeAll(async () => {
    app = await startApp({ auth, ...SECRETS, basicUser: 'descope' }, { sink });
  });
  afterAll(() => app.close());

  it('appears in no response body, header or log line, whatever the request', async () => {
    const body = JSON.stringify([auditEvent()]);
    const signed = { 'x-descope-webhook-s256': sign(body) };
    const send = async (payload: string, headers: Record<string, string>) =>
      replies.push(await app.post(payload, headers));
    await send(body, { ...good, ...signed });
    await send(body, { ...bad, ...signed });
    await send(body, { ...signed });
    await send(body, { ...good });
    await send(body, { ...good, 'x-descope-webhook-s256': sign('other') });
    await send('{"broken', { ...good, 'x-descope-webhook-s256': sign('{"broken') });
    await send(JSON.stringify([{ action: 'UserCreated' }]), {
      ...good,
      'x-descope-webhook-s256': sign(JSON.stringify([{ action: 'UserCreated' }])),
    });
    sink.respond = () => Promise.reject(new SinkUnavailableError('down'));
    await send(body, { ...good, ...signed });
    sink.respond = () => Promise.reject(new Error('boom'));
    await send(body, { ...good, ...signed });
    replies.push(await app.request(`${WEBHOOK_PATH}?token=${SECRETS.token}`, { method: 'GET' }));
    replies.push(await app.request('/metrics'));

    expect(replies.map((r) => r.status)).toEqual([200, 401, 401, 401, 401, 400, 200, 503, 500, 405, 200]);
    const seen = [...replies.map((r) => r.text + JSON.stringify([...r.headers])), app.logs()].join('\n');
    expect(app.logs()).not.toBe('');
    for (const secret of forbidden) expect(seen).not.toContain(secret);
  });
});
