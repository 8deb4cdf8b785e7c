import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDelivery } from '../../src/webhook/parse.js';

const SAFE_ID = /^[A-Za-z0-9:_-]+$/;
const opts = { maxEvents: 50, receivedMs: 1_780_950_000_000 };

/**
 * Outcomes parseDelivery may give: well-formed work, or a 400 only for a body that is no event list. Every
 * event of a list is counted exactly once: taken, duplicate, ignored or invalid.
 */
function expectWellFormed(result: ReturnType<typeof parseDelivery>, body?: unknown): void {
  if (!result.ok) {
    expect(result.status).toBe(400);
    expect(result.message).not.toBe('');
    const isEventList = typeof body === 'object' && body !== null && (!Array.isArray(body) || body.length <= 50);
    expect(isEventList).toBe(false);
    return;
  }
  const taken = result.events.applies.length + result.events.windows.length;
  const events = Array.isArray(body) ? body.length : 1;
  if (body !== undefined) expect(taken + result.duplicates + result.ignored + result.invalid).toBe(events);
  expect(result.problems.length).toBe(Math.min(result.invalid, 5));
  for (const apply of result.events.applies) {
    expect(apply.eventId).toMatch(SAFE_ID);
    if (apply.action.startsWith('Users')) {
      expect(apply.userId).toBeUndefined();
      expect(apply.userIds?.length).toBeGreaterThan(0);
      expect(new Set(apply.userIds).size).toBe(apply.userIds?.length);
    } else {
      expect(typeof apply.userId).toBe('string');
      expect(apply.userIds).toBeUndefined();
    }
    expect(['UserCreated', 'UserModified', 'UserDeleted', 'UsersCreated', 'UsersModified', 'UsersDeleted']).toContain(
      apply.action,
    );
    if (apply.occurredMs !== undefined) expect(Number.isFinite(apply.occurredMs)).toBe(true);
  }
  for (const window of result.events.windows) {
    expect(window.eventId).toMatch(SAFE_ID);
    expect(Number.isFinite(window.occurredMs)).toBe(true);
  }
  const ids = [...result.events.applies, ...result.events.windows].map((r) => r.eventId);
  expect(new Set(ids).size).toBe(ids.length);
}

const action = fc.constantFrom(
  'UserCreated',
  'UserModified',
  'UserDeleted',
  'UsersCreated',
  'UsersModified',
  'UsersDeleted',
  'LoginSucceed',
  '',
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(fc.oneof(arb, fc.jsonValue()), { nil: undefined });
const userId = fc.stringMatching(/^U[A-Za-z0-9]{1,12}$/);
const occurred = fc.oneof(fc.integer({ min: 0, max: 2 ** 45 }), fc.nat().map(String));

/** Shaped like a real audit record, so many deliveries parse to work. */
const plausibleEvent = fc.record(
  {
    action,
    ID: fc.option(fc.string(), { nil: undefined }),
    userId,
    occurred,
    actorId: fc.option(fc.string(), { nil: null }),
    tenants: fc.constant(null),
    data: fc.option(fc.record({ userIds: fc.array(userId, { maxLength: 4 }) }, { requiredKeys: [] }), { nil: null }),
  },
  { requiredKeys: ['action'] },
);

/** The same fields holding anything at all. */
const chaoticEvent = fc.record(
  {
    action: fc.oneof(action, fc.jsonValue()),
    ID: maybe(fc.string()),
    userId: maybe(fc.string()),
    userIds: maybe(fc.array(fc.string())),
    occurred: maybe(fc.oneof(fc.integer({ min: 0 }), fc.nat().map(String), fc.double())),
    actorId: maybe(fc.string()),
    data: maybe(
      fc.record(
        { userIds: maybe(fc.array(fc.string())), users: maybe(fc.array(fc.record({ userId: maybe(fc.string()) }))) },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: ['action'] },
);

const eventLike = fc.oneof({ weight: 4, arbitrary: plausibleEvent }, { weight: 1, arbitrary: chaoticEvent });

describe('parseDelivery never throws', () => {
  it('for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expectWellFormed(parseDelivery(value, opts), value);
      }),
      { numRuns: 500 },
    );
  });

  it('for arrays of event-like records, which often parse to real work', () => {
    let withWork = 0;
    fc.assert(
      fc.property(fc.array(eventLike, { maxLength: 8 }), (events) => {
        const result = parseDelivery(events, opts);
        expectWellFormed(result, events);
        if (result.ok && result.events.applies.length + result.events.windows.length > 0) withWork++;
      }),
      { numRuns: 500 },
    );
    // Guards the generator: a property that only ever exercised the 400 path would prove little.
    expect(withWork).toBeGreaterThan(10);
  });

  it('for single event-like records, and is deterministic', () => {
    fc.assert(
      fc.property(eventLike, (event) => {
        const first = parseDelivery(event, opts);
        expectWellFormed(first, event);
        expect(parseDelivery(structuredClone(event), opts)).toEqual(first);
      }),
      { numRuns: 500 },
    );
  });
});

/** Events that fail validation in every way the review and the issue name. */
const badEvent = fc.constantFrom<unknown>(
  { action: 'UserCreated', userId: null, occurred: 1 },
  { action: 'UserModified', userId: '', occurred: 1 },
  { action: 'UserDeleted', userId: 42, occurred: 1 },
  { action: 'UserModified', userId: 'Ubad', occurred: 'yesterday' },
  { action: 'UsersDeleted', data: { userIds: ['U1', 2] } },
  { action: 'UsersModified', data: {} },
  { action: 'UserCreated', userId: 'Ubad', projectId: 'P2other' },
  JSON.parse('{"action":"UserCreated","__proto__":{"userId":"Uvictim"}}') as unknown,
  'not an event',
  7,
  null,
  [],
);

describe('one bad event never costs its siblings', () => {
  it('takes exactly the valid events of any mix, wherever the bad ones sit', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(userId, { maxLength: 20 }),
        fc.array(badEvent, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (good, bad, positions) => {
          const body: unknown[] = good.map((id) => ({ action: 'UserModified', userId: id, occurred: 5, data: {} }));
          bad.forEach((event, i) => body.splice((positions[i] ?? 0) % (body.length + 1), 0, event));
          const result = parseDelivery(body, { ...opts, projectId: 'P2mine' });
          expect(result.ok).toBe(true);
          if (!result.ok) return;
          expect(result.events.applies.map((a) => a.userId).sort()).toEqual([...good].sort());
          expect(result.invalid).toBe(bad.length);
        },
      ),
      { numRuns: 300, seed: 15014 },
    );
  });
});
