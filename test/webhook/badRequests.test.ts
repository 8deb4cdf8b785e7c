import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditEvent, errorCode, errorMessage, startApp, WEBHOOK_PATH, type TestApp } from './fixtures.js';

const MAX_BODY = 64 * 1024;
let app: TestApp;
beforeAll(async () => (app = await startApp({ maxBodyBytes: MAX_BODY, maxEvents: 1000 })));
afterAll(() => app.close());
afterEach(() => {
  app.sink.calls.length = 0;
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
    message: /^body: expected an audit event object or a list of them/,
  },
  { name: 'null', body: 'null', status: 400, code: 'invalid_event' },
  { name: 'a string', body: '"UserCreated"', status: 400, code: 'invalid_event' },
  {
    name: 'a 10,000-element array',
    body: json(Array.from({ length: 10_000 }, () => ({}))),
    status: 400,
    code: 'too_many_events',
    message: /10000 events, more than the 1000 allowed/,
  },
];

describe('bad deliveries get a clear JSON error and change nothing', () => {
  it.each(table)('$name → $status $code', async ({ body, contentType, status, code, message }) => {
    const before = app.sink.calls.length;
    const headers: Record<string, string> =
      contentType === null ? {} : { 'content-type': contentType ?? 'application/json' };
    const reply = await app.request(WEBHOOK_PATH, { method: 'POST', headers, body });
    expect(reply.status).toBe(status);
    expect(errorCode(reply)).toBe(code);
    expect(errorMessage(reply)).not.toBe('');
    if (message) expect(errorMessage(reply)).toMatch(message);
    expect(app.sink.calls.length).toBe(before);
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

  it('answers 405 with Allow: POST to a GET on the webhook path', async () => {
    const reply = await app.request(WEBHOOK_PATH);
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('POST');
  });
});

interface BadEvent {
  name: string;
  body: string;
  /** What the sink receives: the valid siblings' user ids (none: the sink is not called). */
  taken: string[];
  invalid: number;
  ignored?: number;
  problem?: RegExp;
}

const valid = (userId: string) => json(auditEvent({ userId }));
const events: BadEvent[] = [
  {
    name: 'an array holding a string',
    body: `[${valid('U1')},"x"]`,
    taken: ['U1'],
    invalid: 1,
    problem: /^\[1\]: expected an audit event object/,
  },
  {
    name: 'an event without action',
    body: json([auditEvent({ action: undefined })]),
    taken: [],
    invalid: 1,
    problem: /^\[0\]\.action: /,
  },
  {
    name: 'a numeric action',
    body: `[${json(auditEvent({ action: 7 }))},${valid('U2')}]`,
    taken: ['U2'],
    invalid: 1,
    problem: /^\[0\]\.action: /,
  },
  {
    name: 'a UserCreated without userId',
    body: json([auditEvent({ action: 'UserCreated', userId: undefined })]),
    taken: [],
    invalid: 1,
    problem: /^\[0\]\.userId: required for a UserCreated event/,
  },
  {
    name: 'a single object UserDeleted with a null userId',
    body: json(auditEvent({ action: 'UserDeleted', userId: null })),
    taken: [],
    invalid: 1,
    problem: /^userId: required/,
  },
  {
    name: 'a UserModified with an empty userId among valid siblings',
    body: `[${valid('U1')},${json(auditEvent({ userId: '' }))},${valid('U3')}]`,
    taken: ['U1', 'U3'],
    invalid: 1,
    problem: /^\[1\]\.userId: required/,
  },
  {
    name: 'a numeric userId in the fourth event',
    body: `[${valid('U1')},${valid('U2')},${valid('U3')},${json(auditEvent({ userId: 12345 }))}]`,
    taken: ['U1', 'U2', 'U3'],
    invalid: 1,
    problem: /^\[3\]\.userId: expected string/,
  },
  {
    name: 'an occurred that is not a time',
    body: json([auditEvent({ occurred: 'yesterday' })]),
    taken: [],
    invalid: 1,
    problem: /^\[0\]\.occurred: expected epoch milliseconds/,
  },
  {
    name: 'a batch listing a non-string user id',
    body: json([auditEvent({ action: 'UsersDeleted', data: { userIds: ['U1', 2] } })]),
    taken: [],
    invalid: 1,
    problem: /^\[0\]\.data\.userIds\[1\]: expected string/,
  },
  {
    name: 'a batch that names no users and has no occurred',
    body: json([auditEvent({ action: 'UsersModified', userId: undefined, data: {}, occurred: null })]),
    taken: [],
    invalid: 1,
    problem: /^\[0\]\.occurred: required for a UsersModified event that lists no users/,
  },
  {
    name: 'a __proto__ key on an event, beside a valid one',
    body: `[{"action":"UserCreated","__proto__":{"userId":"victim"}},${valid('U1')}]`,
    taken: ['U1'],
    invalid: 1,
    problem: /^\[0\]\.__proto__: forbidden key/,
  },
  {
    name: 'a __proto__ key deep inside data',
    body: '{"action":"UserModified","userId":"U1","data":{"Change":{"__proto__":{"polluted":"yes"}}}}',
    taken: [],
    invalid: 1,
    problem: /^data\.Change\.__proto__: forbidden key/,
  },
  {
    name: 'deeply nested data',
    body: `[${json(auditEvent({ userId: 'U1' }))},{"action":"UserModified","userId":"U2","data":${nested(100)}}]`,
    taken: ['U1'],
    invalid: 1,
    problem: /^\[1\]\.data(\.a)+: nested deeper than 32 levels/,
  },
  { name: '20,000 nested arrays', body: '['.repeat(20_000) + ']'.repeat(20_000), taken: [], invalid: 1 },
  {
    name: 'an event of another project',
    body: `[${json(auditEvent({ projectId: 'P2elsewhere', userId: 'U9' }))},${valid('U1')}]`,
    taken: ['U1'],
    invalid: 1,
    problem: /^\[0\]\.projectId: another project/,
  },
];

describe('one bad event never costs its siblings', () => {
  it.each(events)('$name: the valid siblings are taken, the bad one counted', async (c) => {
    const reply = await app.post(c.body);
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ accepted: c.taken.length, invalid: c.invalid, ignored: c.ignored ?? 0 });
    const problems = (reply.json as { problems: string[] }).problems;
    expect(problems).toHaveLength(c.invalid);
    if (c.problem) expect(problems[0]).toMatch(c.problem);
    expect(app.sink.calls.flatMap((w) => w.applies.map((a) => a.userId))).toEqual(c.taken);
  });

  it('takes constructor and prototype inside data as data', async () => {
    const reply = await app.post(
      '[{"action":"UserModified","userId":"U1","data":{"Change":{"constructor":{"prototype":{"x":1}}}}}]',
    );
    expect(reply.json).toMatchObject({ accepted: 1, invalid: 0 });
    expect(app.sink.calls[0]?.applies.map((a) => a.userId)).toEqual(['U1']);
  });

  it('counts a prototype key on an ignored event as ignored', async () => {
    const reply = await app.post('{"action":"LoginSucceed","prototype":1}');
    expect(reply.json).toMatchObject({ accepted: 0, ignored: 1, invalid: 0 });
  });

  it('never lets a __proto__ key reach Object.prototype or name a user', async () => {
    await app.post('[{"action":"UserCreated","__proto__":{"userId":"victim","polluted":"yes"}}]');
    await app.post('{"action":"UserCreated","userId":"U1","__proto__":{"polluted":"yes"}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(app.sink.calls.flatMap((w) => w.applies.map((a) => a.userId))).not.toContain('victim');
  });

  it('reports at most five problems however many events fail', async () => {
    const reply = await app.post(json(Array.from({ length: 40 }, () => auditEvent({ userId: null }))));
    expect(reply.json).toMatchObject({ accepted: 0, invalid: 40 });
    expect((reply.json as { problems: string[] }).problems).toHaveLength(5);
    expect(app.sink.calls).toHaveLength(0);
  });
});
