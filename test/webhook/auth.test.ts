import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookApp } from '../../src/webhook/app.js';
import { WebhookConfigError } from '../../src/webhook/errors.js';
import { RecordingSink, auditEvent, baseConfig, errorCode, memoryLogger, startApp, type TestApp } from './fixtures.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('the webhook refuses to start without a deliberate auth choice', () => {
  it('throws WebhookConfigError when WEBHOOK_AUTH is unset', () => {
    const { logger } = memoryLogger();
    const build = () =>
      createWebhookApp({ config: { ...baseConfig, auth: undefined }, sink: new RecordingSink(), logger });
    expect(build).toThrow(WebhookConfigError);
    expect(build).toThrow(/WEBHOOK_AUTH/);
  });

  it.each([
    ['bearer', 'WEBHOOK_TOKEN'],
    ['apikey', 'WEBHOOK_API_KEY'],
    ['basic', 'WEBHOOK_BASIC_USER'],
    ['oauth2', 'WEBHOOK_JWKS_URL'],
  ] as const)('throws when auth=%s lacks %s', (auth, variable) => {
    const { logger } = memoryLogger();
    const build = () => createWebhookApp({ config: { ...baseConfig, auth }, sink: new RecordingSink(), logger });
    expect(build).toThrow(new RegExp(variable));
  });

  it('logs a loud warning when auth is none', () => {
    const { logger, output } = memoryLogger();
    createWebhookApp({ config: { ...baseConfig, auth: 'none' }, sink: new RecordingSink(), logger });
    expect(output()).toMatch(/"level":40.*WEBHOOK_AUTH=none/);
  });
});

describe('auth none', () => {
  let app: TestApp;
  beforeAll(async () => (app = await startApp({ auth: 'none' })));
  afterAll(() => app.close());

  it('accepts a delivery without credentials', async () => {
    const reply = await app.post([auditEvent()]);
    expect(reply.status).toBe(200);
    expect(app.sink.calls).toHaveLength(1);
  });
});

interface Case {
  mode: string;
  config: Partial<typeof baseConfig>;
  good: Record<string, string>;
  bad: [string, Record<string, string>][];
  challenge: RegExp | undefined;
}

const cases: Case[] = [
  {
    mode: 'bearer',
    config: { auth: 'bearer', token: 'tok-3f9a1c' },
    good: { authorization: 'Bearer tok-3f9a1c' },
    bad: [
      ['no header', {}],
      ['a wrong token', { authorization: 'Bearer tok-3f9a1d' }],
      ['a prefix of the token', { authorization: 'Bearer tok-3f9a' }],
      ['the token without the Bearer scheme', { authorization: 'tok-3f9a1c' }],
      ['the token as basic credentials', { authorization: basic('tok-3f9a1c', '') }],
    ],
    challenge: /^Bearer realm="descope-sync"/,
  },
  {
    mode: 'apikey',
    config: { auth: 'apikey', apiKeyHeader: 'X-Descope-Key', apiKey: 'key-77ab' }, // as typed in WEBHOOK_API_KEY_HEADER
    good: { 'X-Descope-Key': 'key-77ab' },
    bad: [
      ['no header', {}],
      ['a wrong key', { 'x-descope-key': 'key-77ac' }],
      ['the key in the default header', { 'x-api-key': 'key-77ab' }],
      ['the key as a bearer token', { authorization: 'Bearer key-77ab' }],
    ],
    challenge: undefined,
  },
  {
    mode: 'basic',
    config: { auth: 'basic', basicUser: 'descope', basicPassword: 'pw:with:colons' },
    good: { authorization: basic('descope', 'pw:with:colons') },
    bad: [
      ['no header', {}],
      ['a wrong password', { authorization: basic('descope', 'pw:with:colon') }],
      ['a wrong user', { authorization: basic('descopf', 'pw:with:colons') }],
      ['a user alone', { authorization: `Basic ${Buffer.from('descope').toString('base64')}` }],
      ['garbage', { authorization: 'Basic !!!' }],
    ],
    challenge: /^Basic realm="descope-sync"/,
  },
];

describe.each(cases)('auth $mode', ({ config, good, bad, challenge }) => {
  let app: TestApp;
  beforeAll(async () => (app = await startApp(config)));
  afterAll(() => app.close());

  it('accepts the right credentials', async () => {
    const reply = await app.post([auditEvent()], good);
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ accepted: 1, duplicates: 0, ignored: 0, invalid: 0 });
  });

  it.each(bad)('rejects %s with 401 and never calls the sink', async (_label, headers) => {
    const before = app.sink.calls.length;
    const reply = await app.post([auditEvent()], headers);
    expect(reply.status).toBe(401);
    expect(errorCode(reply)).toBe('unauthorized');
    if (challenge) expect(reply.headers.get('www-authenticate')).toMatch(challenge);
    else expect(reply.headers.get('www-authenticate')).toBeNull();
    expect(app.sink.calls.length).toBe(before);
  });

  it('authenticates before looking at the body: a bad body without credentials is a 401, not a 400', async () => {
    const reply = await app.post('{not json', {});
    expect(reply.status).toBe(401);
  });
});
