import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/webhook/eventId.js';
import { parseDelivery } from '../../src/webhook/parse.js';
import { auditEvent, NOW } from './fixtures.js';

const opts = { maxEvents: 100, receivedMs: NOW, projectId: 'P2abc' };
const parse = (body: unknown, overrides: Partial<typeof opts & { maxBatchUsers: number }> = {}) =>
  parseDelivery(body, { ...opts, ...overrides });
const accepted = (body: unknown, overrides: Partial<typeof opts & { maxBatchUsers: number }> = {}) => {
  const result = parse(body, overrides);
  if (!result.ok) throw new Error(result.message);
  return result;
};
const idOf = (event: Record<string, unknown>, receivedMs = NOW) => {
  const result = accepted([event], { receivedMs });
  return [...result.events.applies, ...result.events.windows][0]?.eventId;
};

describe('parseDelivery', () => {
  it('gives the same event the same id every time', () => {
    expect(idOf(auditEvent())).toBe(idOf(auditEvent()));
  });

  it.each([
    ['userId', { userId: 'U-other' }],
    ['occurred', { occurred: 1780949905872 }],
    ['actorId', { actorId: 'K2other' }],
    ['data', { data: { Change: { name: 'Jane R. Doe' } } }],
    ['action', { action: 'UserCreated' }],
  ])('gives a different id when %s differs', (_field, change) => {
    expect(idOf(auditEvent(change))).not.toBe(idOf(auditEvent()));
  });

  it('treats occurred as the same instant whether a number or a numeric string', () => {
    expect(idOf(auditEvent({ occurred: '1780949905871' }))).toBe(idOf(auditEvent({ occurred: 1780949905871 })));
  });

  it('counts ignored events by action', () => {
    const result = accepted([{ action: 'LoginSucceed' }, { action: 'LoginSucceed' }, { action: 'RoleCreated' }]);
    expect(result).toMatchObject({ ignored: 3, duplicates: 0, invalid: 0 });
    expect([...result.ignoredByAction]).toEqual([
      ['LoginSucceed', 2],
      ['RoleCreated', 1],
    ]);
  });

  it('counts in-delivery duplicates by the action that arrived, batch events included', () => {
    const batch = auditEvent({ action: 'UsersModified', ID: 'b', data: { userIds: ['U1'] } });
    const result = accepted([auditEvent(), auditEvent(), batch, batch]);
    expect(result.duplicates).toBe(2);
    expect(result.events.applies).toHaveLength(2);
    expect([...result.duplicatesByAction]).toEqual([
      ['UserModified', 1],
      ['UsersModified', 1],
    ]);
  });

  it('skips a relevant event with an unusable field, counts it, and ignores an irrelevant one with the same field', () => {
    const result = accepted([auditEvent({ occurred: {} }), auditEvent({ action: 'LoginSucceed', occurred: {} })]);
    expect(result).toMatchObject({ invalid: 1, ignored: 1 });
    expect(result.problems).toEqual([expect.stringMatching(/^\[0\]\.occurred: expected epoch milliseconds/)]);
  });
});

describe('a batch event is one event', () => {
  it('names every listed user in ONE apply request, under the batch action', () => {
    const result = accepted([
      auditEvent({ action: 'UsersCreated', ID: 'b1', userIds: ['U1', 'U2'], data: { userIds: ['U2', 'U3'] } }),
    ]);
    expect(result.events.applies).toEqual([
      {
        eventId: 'b1',
        action: 'UsersCreated',
        userIds: ['U1', 'U2', 'U3'],
        occurredMs: 1780949905871,
        receivedMs: NOW,
      },
    ]);
  });

  it('takes a batch listing 200,000 users as one request without exceeding any call-stack limit', () => {
    const userIds = Array.from({ length: 200_000 }, (_, i) => `U${i}`);
    const result = accepted([auditEvent({ action: 'UsersDeleted', ID: 'big', data: { userIds } })], {
      maxBatchUsers: 200_000,
    });
    expect(result.events.applies.map((a) => a.userIds?.length)).toEqual([200_000]);
  });

  it('skips a batch naming more users than maxBatchUsers, with a message that says the limit', () => {
    const userIds = Array.from({ length: 11 }, (_, i) => `U${i}`);
    const result = accepted([auditEvent({ action: 'UsersDeleted', data: { userIds } }), auditEvent()], {
      maxBatchUsers: 10,
    });
    expect(result.invalid).toBe(1);
    expect(result.events.applies).toHaveLength(1);
    expect(result.problems[0]).toMatch(/^\[0\]: names 11 users, more than the 10 one event may name/);
  });
});

describe('event identity without Descope ID', () => {
  const disable = { action: 'UserModified', userId: 'U1', data: { Change: { status: 'disabled' } } };
  const enable = { action: 'UserModified', userId: 'U1', data: { Change: { status: 'enabled' } } };

  it('keeps disable, enable, disable three events when each has its own occurred', () => {
    const ids = [
      idOf({ ...disable, occurred: 1000 }),
      idOf({ ...enable, occurred: 2000 }),
      idOf({ ...disable, occurred: 3000 }),
    ];
    expect(new Set(ids).size).toBe(3);
  });

  it('keeps disable, enable, disable three events when nothing dates them but their deliveries', () => {
    const ids = [idOf(disable, NOW), idOf(enable, NOW + 1000), idOf(disable, NOW + 2000)];
    expect(new Set(ids).size).toBe(3);
  });

  it('still deduplicates an undated event repeated within one delivery', () => {
    expect(accepted([disable, disable]).duplicates).toBe(1);
  });
});

describe('events of another project', () => {
  it('are skipped and counted; events without projectId are taken', () => {
    const result = accepted([
      auditEvent({ projectId: 'P2other', userId: 'U1' }),
      auditEvent({ projectId: undefined, userId: 'U2' }),
      auditEvent({ userId: 'U3' }),
    ]);
    expect(result.invalid).toBe(1);
    expect(result.events.applies.map((a) => a.userId)).toEqual(['U2', 'U3']);
    expect(result.problems).toEqual([expect.stringMatching(/^\[0\]\.projectId: another project/)]);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops null and undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: null }], c: undefined } })).toBe('{"a":{"d":[{"z":1}]},"b":1}');
  });
});
