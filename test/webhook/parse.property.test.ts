import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDelivery } from '../../src/webhook/parse.js';

const SAFE_ID = /^[A-Za-z0-9:_-]+$/;
const opts = { maxEvents: 50, receivedMs: 1_780_950_000_000 };

/** Outcomes parseDelivery may give: valid, well-formed work, or a 400 with a message. Anything else fails. */
function expectWellFormed(result: ReturnType<typeof parseDelivery>): void {
  if (!result.ok) {
    expect(result.status).toBe(400);
    expect(result.message).not.toBe('');
    return;
  }
  for (const apply of result.events.applies) {
    expect(apply.eventId).toMatch(SAFE_ID);
    expect(typeof apply.userId).toBe('string');
    expect(['UserCreated', 'UserModified', 'UserDeleted']).toContain(apply.action);
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
        expectWellFormed(parseDelivery(value, opts));
      }),
      { numRuns: 500 },
    );
  });

  it('for arrays of event-like records, which often parse to real work', () => {
    let withWork = 0;
    fc.assert(
      fc.property(fc.array(eventLike, { maxLength: 8 }), (events) => {
        const result = parseDelivery(events, opts);
        expectWellFormed(result);
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
        expectWellFormed(first);
        expect(parseDelivery(structuredClone(event), opts)).toEqual(first);
      }),
      { numRuns: 500 },
    );
  });
});
