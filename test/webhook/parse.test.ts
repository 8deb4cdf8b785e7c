import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/webhook/eventId.js';
import { parseDelivery } from '../../src/webhook/parse.js';
import { auditEvent, NOW } from './fixtures.js';

const opts = { maxEvents: 100, receivedMs: NOW };
const parse = (body: unknown) => parseDelivery(body, opts);
const idOf = (event: Record<string, unknown>) => {
  const result = parse([event]);
  if (!result.ok) throw new Error(result.message);
  return result.events.applies[0]?.eventId;
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
    const result = parse([{ action: 'LoginSucceed' }, { action: 'LoginSucceed' }, { action: 'RoleCreated' }]);
    expect(result).toMatchObject({ ok: true, ignored: 3, duplicates: 0 });
    if (result.ok)
      expect([...result.ignoredByAction]).toEqual([
        ['LoginSucceed', 2],
        ['RoleCreated', 1],
      ]);
  });

  it('counts in-delivery duplicates by the action that arrived, batch members included', () => {
    const batch = auditEvent({ action: 'UsersModified', ID: 'b', data: { userIds: ['U1'] } });
    const result = parse([auditEvent(), auditEvent(), batch, batch]);
    expect(result).toMatchObject({ ok: true, duplicates: 2 });
    if (result.ok) {
      expect(result.events.applies).toHaveLength(2);
      expect([...result.duplicatesByAction]).toEqual([
        ['UserModified', 1],
        ['UsersModified', 1],
      ]);
    }
  });

  it('rejects a relevant event with an unusable field but ignores an irrelevant one with the same field', () => {
    expect(parse([auditEvent({ occurred: {} })])).toMatchObject({ ok: false, status: 400 });
    expect(parse([auditEvent({ action: 'LoginSucceed', occurred: {} })])).toMatchObject({ ok: true, ignored: 1 });
  });
});

it('splits a batch listing 200,000 users without exceeding any call-stack limit', () => {
  const userIds = Array.from({ length: 200_000 }, (_, i) => `U${i}`);
  const result = parse([auditEvent({ action: 'UsersDeleted', ID: 'big', data: { userIds } })]);
  expect(result.ok && result.events.applies.length).toBe(200_000);
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops null and undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: null }], c: undefined } })).toBe('{"a":{"d":[{"z":1}]},"b":1}');
  });
});
