import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditEvent, NOW, RecordingSink, startApp, type TestApp } from './fixtures.js';

const SAFE_ID = /^[A-Za-z0-9:_-]+$/;
let app: TestApp;
const sink = new RecordingSink();
beforeAll(async () => (app = await startApp({ maxEvents: 5 }, { sink })));
afterAll(() => app.close());
beforeEach(() => {
  sink.calls.length = 0;
  sink.respond = (work) => Promise.resolve({ started: work.applies.length + work.windows.length, duplicates: 0 });
});

describe('accepted deliveries reach the sink once, in one call', () => {
  it('turns a single event object into one apply request', async () => {
    const reply = await app.post(auditEvent({ action: 'UserCreated', userId: 'U1', occurred: 1780949905871 }));
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ accepted: 1, duplicates: 0, ignored: 0, invalid: 0, problems: [] });
    expect(sink.calls).toEqual([
      {
        applies: [
          {
            eventId: expect.stringMatching(/^[0-9a-f]{32}$/),
            action: 'UserCreated',
            userId: 'U1',
            occurredMs: 1780949905871,
            receivedMs: NOW,
          },
        ],
        windows: [],
      },
    ]);
  });

  it('hands every relevant event of an array to the sink in a single submit', async () => {
    const reply = await app.post([
      auditEvent({ action: 'UserCreated', userId: 'U1' }),
      auditEvent({ action: 'UserModified', userId: 'U2' }),
      auditEvent({ action: 'UserDeleted', userId: 'U3' }),
    ]);
    expect(reply.json).toEqual({ accepted: 3, duplicates: 0, ignored: 0, invalid: 0, problems: [] });
    expect(sink.calls).toHaveLength(1);
    expect(sink.calls[0]?.applies.map((a) => [a.action, a.userId])).toEqual([
      ['UserCreated', 'U1'],
      ['UserModified', 'U2'],
      ['UserDeleted', 'U3'],
    ]);
  });

  it('tolerates missing and null optional fields, and normalises a numeric-string occurred', async () => {
    const reply = await app.post([
      { action: 'UserModified', userId: 'U1', tenants: null, actorId: null, data: null, occurred: '1780949905871' },
      { action: 'UserDeleted', userId: 'U2' },
    ]);
    expect(reply.status).toBe(200);
    const [first, second] = sink.calls[0]?.applies ?? [];
    expect(first?.occurredMs).toBe(1780949905871);
    expect(second?.occurredMs).toBeUndefined();
  });

  it('acknowledges and counts unknown actions without handing them to the sink', async () => {
    const reply = await app.post([
      auditEvent({ action: 'LoginSucceed' }),
      auditEvent({ action: 'UserModified', userId: 'U1' }),
      auditEvent({ action: 'RoleCreated', userId: undefined }),
    ]);
    expect(reply.json).toEqual({ accepted: 1, duplicates: 0, ignored: 2, invalid: 0, problems: [] });
    expect(sink.calls[0]?.applies).toHaveLength(1);
  });

  it('does not call the sink at all when nothing in the delivery is relevant', async () => {
    const reply = await app.post([auditEvent({ action: 'LoginSucceed' })]);
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ accepted: 0, duplicates: 0, ignored: 1, invalid: 0, problems: [] });
    expect(sink.calls).toHaveLength(0);
  });

  it('accepts exactly maxEvents events and refuses one more', async () => {
    const events = (n: number) => Array.from({ length: n }, (_, i) => auditEvent({ userId: `U${i}` }));
    expect((await app.post(events(5))).status).toBe(200);
    expect((await app.post(events(6))).status).toBe(400);
    expect(sink.calls).toHaveLength(1);
  });
});

describe('batch events', () => {
  it.each([
    ['top-level userIds', { userIds: ['U1', 'U2'] }],
    ['data.userIds (what the emulator sends)', { data: { userIds: ['U1', 'U2'] } }],
    ['data.users[].userId', { data: { users: [{ userId: 'U1', email: 'a@x' }, { userId: 'U2' }] } }],
  ])('takes a batch naming its users in %s as ONE event naming them all', async (_label, fields) => {
    const reply = await app.post([auditEvent({ action: 'UsersDeleted', userId: undefined, ID: 'evt1', ...fields })]);
    expect(reply.json).toMatchObject({ accepted: 1, duplicates: 0, ignored: 0, invalid: 0 });
    expect(sink.calls[0]).toEqual({
      applies: [
        {
          eventId: 'evt1',
          action: 'UsersDeleted',
          userIds: ['U1', 'U2'],
          occurredMs: 1780949905871,
          receivedMs: NOW,
        },
      ],
      windows: [],
    });
  });

  it('merges users listed in several places, once each', async () => {
    await app.post([
      auditEvent({
        action: 'UsersCreated',
        userIds: ['U1', 'U2'],
        data: { userIds: ['U2', 'U3'], users: [{ userId: 'U1' }] },
      }),
    ]);
    expect(sink.calls[0]?.applies.map((a) => [a.action, a.userIds])).toEqual([['UsersCreated', ['U1', 'U2', 'U3']]]);
  });

  it('turns a batch that names no users into a window request around occurred', async () => {
    const reply = await app.post([
      auditEvent({ action: 'UsersModified', userId: undefined, data: null, occurred: '1780949905871' }),
    ]);
    expect(reply.json).toMatchObject({ accepted: 1, duplicates: 0, ignored: 0 });
    expect(sink.calls[0]).toEqual({
      applies: [],
      windows: [
        {
          eventId: expect.stringMatching(/^[0-9a-f]{32}$/),
          action: 'UsersModified',
          occurredMs: 1780949905871,
          receivedMs: NOW,
        },
      ],
    });
  });
});

describe('event identity', () => {
  const idsOf = () => sink.calls.flatMap((c) => [...c.applies, ...c.windows].map((r) => r.eventId));

  it('gives a redelivered event the same id, and a different change a different id', async () => {
    await app.post([auditEvent()]);
    await app.post([auditEvent()]);
    await app.post([auditEvent({ data: { Change: { name: 'Someone Else' } } })]);
    const [a, b, c] = idsOf();
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('ignores key order and fields outside the identity (geo, remoteAddress)', async () => {
    const event = auditEvent();
    const reordered = Object.fromEntries(
      Object.entries({ ...event, geo: 'FR', remoteAddress: '198.51.100.1' }).reverse(),
    );
    await app.post([event]);
    await app.post([reordered]);
    const [a, b] = idsOf();
    expect(a).toBe(b);
  });

  it("uses Descope's ID when present and keeps every id within [A-Za-z0-9:_-]", async () => {
    await app.post([
      auditEvent({ ID: 'AbC_12-x' }),
      auditEvent({ ID: 'has spaces/and slashes', userId: 'U9' }),
      auditEvent({ action: 'UsersCreated', ID: 'b1', userIds: ['user.with@odd chars'] }),
    ]);
    const ids = idsOf();
    expect(ids[0]).toBe('AbC_12-x');
    for (const id of ids) expect(id).toMatch(SAFE_ID);
    expect(ids[1]).toMatch(/^h[0-9a-f]{32}$/);
    expect(ids[2]).toBe('b1');
  });

  it('deduplicates identical events within one delivery before the sink, and reports them', async () => {
    const reply = await app.post([auditEvent(), auditEvent(), auditEvent({ userId: 'U2' })]);
    expect(reply.json).toEqual({ accepted: 2, duplicates: 1, ignored: 0, invalid: 0, problems: [] });
    expect(sink.calls[0]?.applies).toHaveLength(2);
  });

  it("adds the sink's duplicates (the same delivery taken before) to the response, and names the intake", async () => {
    sink.respond = () => Promise.resolve({ started: 0, duplicates: 1, intake: 'descope-intake-x' });
    const reply = await app.post([auditEvent()]);
    expect(reply.json).toEqual({
      accepted: 0,
      duplicates: 1,
      ignored: 0,
      invalid: 0,
      problems: [],
      intake: 'descope-intake-x',
    });
  });
});
