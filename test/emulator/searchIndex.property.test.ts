import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSearch } from '../../src/emulator/search/parseSearch';
import { runSearch } from '../../src/emulator/search/runSearch';
import { SearchCache } from '../../src/emulator/search/searchCache';
import type { SearchBody } from '../../src/emulator/search/searchQuery';
import { seedUsers } from '../../src/emulator/seed/seedUsers';
import { UserStore } from '../../src/emulator/store/userStore';
import type { DescopeUser } from '../../src/emulator/types';

const END = 1_700_000_000;
const SPAN = 3_000;

/** The plain reading of the rules: filter everything, sort everything, cut the page. */
function oracle(users: DescopeUser[], body: SearchBody): { ids: string[]; total: number } {
  const inRange = (sec: number, from?: number | string | null, to?: number | string | null) =>
    (!from || sec * 1000 > Number(from)) && (!to || sec * 1000 <= Number(to));
  const matches = users.filter(
    (user) =>
      (body.testUsersOnly ? user.test : body.withTestUser || !user.test) &&
      (!body.statuses?.length || body.statuses.includes(user.status)) &&
      inRange(user.createdTime, body.fromCreatedTime, body.toCreatedTime) &&
      inRange(user.modifiedTime, body.fromModifiedTime, body.toModifiedTime),
  );
  const [key] = body.sort ?? [];
  const field = key?.field === 'modifiedTime' ? 'modifiedTime' : key?.field === 'email' ? 'email' : 'createdTime';
  const direction = key?.desc ? -1 : 1;
  const compare = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  matches.sort((a, b) => direction * (compare(a[field], b[field]) || compare(a.userId, b.userId)));
  const limit = Math.min(Number(body.limit) || 100, 100);
  const start = Number(body.offset) > 0 ? Number(body.offset) : Number(body.page ?? 0) * limit;
  return { ids: matches.slice(start, start + limit).map((user) => user.userId), total: matches.length };
}

const timeMs = fc.oneof(
  fc.constant(undefined),
  fc
    .integer({ min: END - SPAN - 5, max: END + 5 })
    .chain((sec) => fc.constantFrom(sec * 1000, sec * 1000 - 1, sec * 1000 + 1)),
);

const bodies: fc.Arbitrary<SearchBody> = fc.record(
  {
    page: fc.integer({ min: 0, max: 6 }),
    limit: fc.constantFrom(0, 1, 7, 50, 500),
    offset: fc.constantFrom(0, 0, 3, 60),
    sort: fc.constantFrom(
      [],
      [{ field: 'createdTime', desc: true }],
      [{ field: 'modifiedTime' }],
      [{ field: 'modifiedTime', desc: true }],
      [{ field: 'email' }],
    ),
    statuses: fc.constantFrom([], ['disabled', 'invited'], ['enabled']),
    withTestUser: fc.boolean(),
    testUsersOnly: fc.boolean(),
    fromCreatedTime: timeMs,
    toCreatedTime: timeMs,
    fromModifiedTime: timeMs,
    toModifiedTime: timeMs,
  },
  { requiredKeys: [] },
);

describe('indexed search', () => {
  it('returns exactly what filtering and sorting everything would, cached or not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 0, max: 400 }),
        fc.array(bodies, { maxLength: 6 }),
        (seed, count, queries) => {
          const users = seedUsers({ seed, count, testCount: Math.floor(count / 10), endSec: END, spanSec: SPAN });
          const store = new UserStore();
          store.insertMany(users);
          const cache = new SearchCache();
          for (const body of queries) {
            const expected = oracle(users, body);
            for (let pass = 0; pass < 2; pass++) {
              const result = runSearch(store, parseSearch(body, { maxLimit: 100 }), cache);
              expect({ ids: result.users.map((user) => user.userId), total: result.total }).toEqual(expected);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps both time indexes in order through creates, changes and deletes', () => {
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('create' as const), at: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant('touch' as const), pick: fc.nat(), at: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
      fc.record({
        kind: fc.constant('deleteMany' as const),
        picks: fc.array(fc.nat(), { minLength: 30, maxLength: 60 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const store = new UserStore();
        store.insertMany(seedUsers({ seed: 5, count: 120, endSec: END, spanSec: 40 }));
        let serial = 0;
        for (const op of operations) {
          const all = store.all();
          const target = 'pick' in op ? all[op.pick % Math.max(all.length, 1)] : undefined;
          if (op.kind === 'create') {
            const user = {
              ...all[0]!,
              userId: `U2new${serial++}`,
              loginIds: [`n${serial}@x`],
              createdTime: END - op.at,
            };
            store.insert({ ...user, modifiedTime: user.createdTime });
          } else if (op.kind === 'touch' && target) {
            store.replace({ ...target, modifiedTime: Math.max(target.createdTime, END - op.at) });
          } else if (op.kind === 'delete' && target) {
            store.remove(target.userId);
          } else if (op.kind === 'deleteMany') {
            store.removeMany(op.picks.map((pick) => all[pick % Math.max(all.length, 1)]?.userId ?? ''));
          }
        }
        const inIndex = (index: UserStore['created']) => Array.from({ length: index.size }, (_, i) => index.at(i)!);
        const key = (field: 'createdTime' | 'modifiedTime') => (user: DescopeUser) =>
          `${String(user[field]).padStart(12)}${user.userId}`;
        const created = inIndex(store.created).map(key('createdTime'));
        const modified = inIndex(store.modified).map(key('modifiedTime'));
        expect(created).toEqual([...created].sort());
        expect(modified).toEqual([...modified].sort());
        expect(created).toHaveLength(store.count());
        expect(new Set(inIndex(store.modified).map((user) => user.userId))).toEqual(
          new Set(store.all().map((u) => u.userId)),
        );
      }),
      { numRuns: 200 },
    );
  });
});
