import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditEvent, errorCode, errorMessage, startApp, WEBHOOK_PATH, type TestApp } from './fixtures.js';

const MAX_BODY = 64 * 1024;
let app: TestApp;
beforeAll(async () => (app = await startApp({ maxBodyBytes: MAX_BODY, maxEvents: 1000 })));
afterAll(() => app.close());
afterEach(() => {
  // Every request in this file is bad: none may reach the sink.
  expect(app.sink.calls).toHaveLength(0);
});

const json = (value: unknown) => JSON.stringify(value);
const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

interface BadRequest {
  name: string;
  body: string | Uint8Array;
  contentType?: string | null;
  status: number;
  code: string;
  message?: RegExp;
}

const table: BadRequest[] = [
  { name: 'malformed JSON', body: '[{"action":"UserCreated",', status: 400, code: 'invalid_json' },
  { name: 'an empty body', body: '', status: 400, code: 'invalid_json' },
  { name: 'invalid UTF-8', body: new Uint8Array([0x5b, 0xff, 0xfe, 0x5d]), status: 400, code: 'invalid_json' },
  {
    name: 'a text/plain content type',
    body: json([auditEvent()]),
    contentType: 'text/plain',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'a form content type',
    body: 'a=1',
    contentType: 'application/x-www-form-urlencoded',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'no content type',
    body: json([auditEvent()]),
    contentType: null,
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'a body over maxBodyBytes',
    body: json([auditEvent({ pad: 'x'.repeat(MAX_BODY) })]),
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'a bare number',
    body: '42',
    status: 400,
    code: 'invalid_event',
    message: /^body: expected an audit event object/,
  },
  { name: 'null', body: 'null', status: 400, code: 'invalid_event' },
  {
    name: 'an array holding a string',
    body: json([auditEvent(), 'x']),
    status: 400,
    code: 'invalid_event',
    message: /^\[1\]: expected an audit event object/,
  },
  {
    name: 'an event without action',
    body: json([auditEvent({ action: undefined })]),
    status: 400,
    code: 'invalid_event',
    message: /^\[0\]\.action: /,
  },
  {
    name: 'a numeric action',
    body: json([auditEvent({ action: 7 })]),
    status: 400,
    code: 'invalid_event',
    message: /^\[0\]\.action: /,
  },
  {
    name: 'a UserCreated without userId',
    body: json([auditEvent({ action: 'UserCreated', userId: undefined })]),
    status: 400,
    code: 'invalid_event',
    message: /^\[0\]\.userId: required for a UserCreated event/,
  },
  {
    name: 'a single object UserDeleted with a null userId',
    body: json(auditEvent({ action: 'UserDeleted', userId: null })),
    status: 400,
    code: 'invalid_event',
    message: /^userId: required/,
  },
  {
    name: 'a numeric userId in the fourth event',
    body: json([auditEvent(), auditEvent(), auditEvent(), auditEvent({ userId: 12345 })]),
    status: 400,
    code: 'invalid_event',
    message: /^\[3\]\.userId: expected string/,
  },
  {
    name: 'an occurred that is not a time',
    body: json([auditEvent({ occurred: 'yesterday' })]),
    status: 400,
    code: 'invalid_event',
    message: /^\[0\]\.occurred: expected epoch milliseconds/,
  },
  {
    name: 'a batch listing a non-string user id',
    body: json([auditEvent({ action: 'UsersDeleted', data: { userIds: ['U1', 2] } })]),
    status: 400,
    code: 'invalid_event',
    message: /^\[0\]\.data\.userIds\[1\]: expected string/,
  },
  {
    name: 'a batch that names no users and has no occurred',
    body: json([auditEvent({ action: 'UsersModified', userId: undefined, data: {}, occurred: null })]),
    status: 400,
    code: 'invalid_event',
    message: /^\[0\]\.occurred: required for a UsersModified event that lists no users/,
  },
  {
    name: 'a __proto__ key on an event',
    body: '[{"action":"UserCreated","userId":"U1","__proto__":{"polluted":true}}]',
    status: 400,
    code: 'forbidden_key',
    message: /^\[0\]\.__proto__: forbidden key/,
  },
  {
    name: 'a constructor key deep inside data',
    body: '[{"action":"UserModified","userId":"U1","data":{"Change":{"constructor":{"prototype":{"x":1}}}}}]',
    status: 400,
    code: 'forbidden_key',
    message: /^\[0\]\.data\.Change\.constructor: forbidden key/,
  },
  {
    name: 'a prototype key on an ignored event',
    body: '{"action":"LoginSucceed","prototype":1}',
    status: 400,
    code: 'forbidden_key',
  },
  {
    name: 'a 10,000-element array',
    body: json(Array.from({ length: 10_000 }, () => ({}))),
    status: 400,
    code: 'too_many_events',
    message: /10000 events, more than the 1000 allowed/,
  },
  {
    name: 'deeply nested data',
    body: `[{"action":"UserModified","userId":"U1","data":${nested(100)}}]`,
    status: 400,
    code: 'too_deep',
  },
  { name: '20,000 nested arrays', body: '['.repeat(20_000) + ']'.repeat(20_000), status: 400, code: 'too_deep' },
];

describe('bad deliveries get a clear JSON error and change nothing', () => {
  it.each(table)('$name → $status $code', async ({ body, contentType, status, code, message }) => {
    const headers: Record<string, string> =
      contentType === null ? {} : { 'content-type': contentType ?? 'application/json' };
    const reply = await app.request(WEBHOOK_PATH, { method: 'POST', headers, body });
    expect(reply.status).toBe(status);
    expect(errorCode(reply)).toBe(code);
    expect(errorMessage(reply)).not.toBe('');
    if (message) expect(errorMessage(reply)).toMatch(message);
  });

  it('answers 413 to an over-limit chunked body that declares no length', async () => {
    const chunk = new TextEncoder().encode(`[${json(auditEvent())},`.padEnd(8 * 1024, ' '));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 16; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const reply = await app.request(WEBHOOK_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(reply.status).toBe(413);
    expect(errorCode(reply)).toBe('payload_too_large');
  });

  it('never lets a __proto__ key reach Object.prototype', async () => {
    await app.post('{"action":"UserCreated","userId":"U1","__proto__":{"polluted":"yes"}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers 405 with Allow: POST to a GET on the webhook path', async () => {
    const reply = await app.request(WEBHOOK_PATH);
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('POST');
  });
});
