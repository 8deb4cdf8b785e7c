import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { advance, missingFromPage, nextRequest, usersToWrite } from '../../activities/keyset';
import { settleLane, type Lane } from '../../workflows/lanes';
import type { SearchPage, SearchRequest } from '../../src/descope/api';
import type { DescopeUser } from '../../src/store/types';
import type { ScanCursor } from '../../workflows/messages';
import { createPrng } from '../../src/emulator/prng';

type Field = ScanCursor['field'];

const T0 = 1_719_352_134;
const UPPER_MS = 1_800_000_000_000;

const cursorAt = (over: Partial<ScanCursor> = {}): ScanCursor => ({
  field: 'createdTime',
  afterSecond: null,
  fromMs: 0,
  upperMs: UPPER_MS,
  done: false,
  ...over,
});

const usersAt = (seconds: number[], field: Field = 'createdTime'): DescopeUser[] =>
  seconds.map((second, i) => ({ userId: `U${i}`, [field]: second }));

describe('nextRequest', () => {
  it('starts at the lower bound, oldest first, on page 0', () => {
    expect(nextRequest(cursorAt({ fromMs: 5000 }), 100)).toEqual({
      fromCreatedTime: 5000,
      toCreatedTime: UPPER_MS,
      sort: [
        { field: 'createdTime', desc: false },
        { field: 'id', desc: false },
      ],
      limit: 100,
      page: 0,
    });
  });

  it('resumes inside a second by row offset, from its anchor, and pages a second entered part-way by offset too', () => {
    const resumed = nextRequest(cursorAt({ afterSecond: T0, resume: { rows: 37, anchor: ['a', 'b'] } }), 100);
    expect(resumed).toMatchObject({ fromCreatedTime: T0 * 1000 + 999, page: 0, offset: 35 });
    const anchor = ['c', 'd'];
    const entered = cursorAt({ cluster: { second: T0, page: 1, total: null, restarts: 0, base: 30, anchor } });
    expect(nextRequest(entered, 100)).toMatchObject({ fromCreatedTime: T0 * 1000 - 1, page: 0, offset: 130 });
    // A step back to the second's start asks for its first page.
    const back = cursorAt({ cluster: { second: T0, page: 0, total: 99, restarts: 1, base: -2 } });
    expect(nextRequest(back, 100)).toMatchObject({ page: 0 });
    expect(nextRequest(back, 100).offset).toBeUndefined();
  });

  it('after a second, asks for users of the next second onwards (from is exclusive, in ms)', () => {
    const request = nextRequest(cursorAt({ afterSecond: T0 }), 50);
    expect(request.fromCreatedTime).toBe(T0 * 1000 + 999);
    expect(request.page).toBe(0);
  });

  it('filters on the modified time when the scan pages by modifiedTime', () => {
    const request = nextRequest(cursorAt({ field: 'modifiedTime', afterSecond: T0 }), 10);
    expect(request).toMatchObject({ fromModifiedTime: T0 * 1000 + 999, toModifiedTime: UPPER_MS });
    expect(request.fromCreatedTime).toBeUndefined();
    expect(request.sort?.[0]).toEqual({ field: 'modifiedTime', desc: false });
  });

  it('never sends a negative lower bound (0 means no filter to Descope)', () => {
    expect(nextRequest(cursorAt({ afterSecond: -1 }), 10).fromCreatedTime).toBe(0);
  });

  it('pages one crowded second by offset, inside that second and the upper bound', () => {
    const cluster = { second: T0, page: 3, total: 420, restarts: 0 };
    expect(nextRequest(cursorAt({ cluster }), 100)).toMatchObject({
      fromCreatedTime: T0 * 1000 - 1,
      toCreatedTime: T0 * 1000 + 999,
      limit: 100,
      page: 3,
    });
    const capped = nextRequest(cursorAt({ cluster, upperMs: T0 * 1000 + 250 }), 100);
    expect(capped.toCreatedTime).toBe(T0 * 1000 + 250);
  });

  it('breaks ties by user id when paging by offset, since the order inside a second is undocumented', () => {
    const sort = nextRequest(cursorAt({ cluster: { second: T0, page: 1, total: 300, restarts: 0 } }), 100).sort;
    expect(sort).toEqual([
      { field: 'createdTime', desc: false },
      { field: 'id', desc: false },
    ]);
  });

  it('in range mode, pages the remaining range by offset', () => {
    const cursor = cursorAt({ afterSecond: T0, cluster: { second: null, page: 2, total: 900, restarts: 0 } });
    expect(nextRequest(cursor, 100)).toMatchObject({
      fromCreatedTime: T0 * 1000 + 999,
      toCreatedTime: UPPER_MS,
      page: 2,
    });
  });
});

describe('advance', () => {
  it('when a page is short, the scan is done', () => {
    const next = advance(cursorAt(), usersAt([T0, T0 + 1]), 2, 100);
    expect(next.done).toBe(true);
    expect(next.afterSecond).toBe(Math.floor(UPPER_MS / 1000));
  });

  it('when a page is full, the next request resumes inside its last second, anchored on the last users read', () => {
    const page = usersAt([T0, T0 + 1, T0 + 5, T0 + 5]);
    const next = advance(cursorAt(), page, 50, 4);
    expect(next).toMatchObject({ afterSecond: T0 + 4, done: false, resume: { rows: 2, anchor: ['U2', 'U3'] } });
    expect(next.cluster).toBeUndefined();
    expect(usersToWrite(cursorAt(), page, 4)).toEqual(page);
    // The second after it: a page that begins with the anchor is written past it, and resumes in its own last second.
    const after = [page[2]!, page[3]!, { userId: 'X', createdTime: T0 + 6 }, { userId: 'Y', createdTime: T0 + 9 }];
    expect(usersToWrite(next, after, 4).map((u) => u.userId)).toEqual(['X', 'Y']);
    expect(advance(next, after, 50, 4)).toMatchObject({ afterSecond: T0 + 8, resume: { rows: 1, anchor: ['Y'] } });
  });

  it('a resumed page that does not begin with its anchor is dropped, and the second read from its start', () => {
    const cursor = cursorAt({ afterSecond: T0 + 4, resume: { rows: 2, anchor: ['U2', 'U3'] } });
    const moved = [{ userId: 'U3', createdTime: T0 + 5 }, ...usersAt([T0 + 6, T0 + 7, T0 + 8]).slice(1)];
    expect(usersToWrite(cursor, moved, 4)).toEqual([]);
    const next = advance(cursor, moved, 50, 4);
    expect(next).toMatchObject({ afterSecond: T0 + 4, resumeMisses: 1 });
    expect(next.resume).toBeUndefined();
  });

  it('after three misses, a scan re-reads the last second of each full page from its start, as without offsets', () => {
    const page = usersAt([T0, T0 + 1, T0 + 5, T0 + 5]);
    const cursor = cursorAt({ resumeMisses: 3 });
    expect(advance(cursor, page, 50, 4)).toMatchObject({ afterSecond: T0 + 4, resumeMisses: 3 });
    expect(advance(cursor, page, 50, 4).resume).toBeUndefined();
    expect(usersToWrite(cursor, page, 4).map((u) => u.userId)).toEqual(['U0', 'U1']);
  });

  it('uses the latest second of the page even when Descope returns the page out of order (and does not resume)', () => {
    const next = advance(cursorAt(), usersAt([T0 + 9, T0, T0 + 3]), 50, 3);
    expect(next.afterSecond).toBe(T0 + 8);
    expect(next.resume).toBeUndefined();
  });

  it('when a full page is one single second, pages that second by offset from where the page stopped', () => {
    const next = advance(cursorAt({ afterSecond: T0 - 10 }), usersAt([T0, T0, T0]), 500, 3);
    // Page 1 starts two rows before the page's end, with the anchor U1, U2.
    expect(next.cluster).toEqual({ second: T0, page: 1, total: null, restarts: 0, base: -2, anchor: ['U1', 'U2'] });
    expect(next.afterSecond).toBe(T0 - 10);
    expect(nextRequest(next, 3).offset).toBe(1);
    // Its first page begins with the anchor: paging goes on; otherwise it starts the second again.
    const onward = [{ userId: 'U1' }, { userId: 'U2' }, { userId: 'U3' }].map((u) => ({ ...u, createdTime: T0 }));
    expect(advance(next, onward, 400, 3).cluster).toEqual({ second: T0, page: 2, total: 400, restarts: 0, base: -2 });
    expect(usersToWrite(next, onward, 3).map((u) => u.userId)).toEqual(['U3']);
    const shifted = advance(next, onward.slice(1), 399, 3);
    expect(shifted.cluster).toEqual({ second: T0, page: 0, total: null, restarts: 1 });
    expect(shifted.resumeMisses).toBe(1);
  });

  it('with pages of one user there is no room for an anchor: a full page of one second is paged from its start', () => {
    const next = advance(cursorAt({ afterSecond: T0 - 10 }), usersAt([T0]), 500, 1);
    expect(next.cluster).toEqual({ second: T0, page: 0, total: null, restarts: 0 });
  });

  it('inside a crowded second, a full page moves to the next page and remembers the total', () => {
    const cursor = cursorAt({ cluster: { second: T0, page: 0, total: null, restarts: 0 } });
    expect(advance(cursor, usersAt([T0, T0]), 7, 2).cluster).toEqual({ second: T0, page: 1, total: 7, restarts: 0 });
  });

  it("when Descope's total for a crowded second falls by d, the paging steps back ceil(d / pageSize) pages", () => {
    const cursor = cursorAt({ cluster: { second: T0, page: 5, total: 700, restarts: 0 } });
    const full = usersAt(Array.from({ length: 100 }, () => T0));
    expect(advance(cursor, full, 699, 100).cluster).toEqual({ second: T0, page: 4, total: 699, restarts: 1 });
    expect(advance(cursor, full, 550, 100).cluster).toEqual({ second: T0, page: 3, total: 550, restarts: 1 });
    expect(advance(cursor, [], 0, 100).cluster).toEqual({ second: T0, page: 0, total: 0, restarts: 1 });
  });

  it('when the total grows, the paging moves on and keeps the lower total, so a flapping count cannot loop', () => {
    const cursor = cursorAt({ cluster: { second: T0, page: 2, total: 7, restarts: 0 } });
    expect(advance(cursor, usersAt([T0, T0]), 9, 2).cluster).toEqual({ second: T0, page: 3, total: 7, restarts: 0 });
  });

  it('when a crowded second is exhausted, the keyset resumes after it', () => {
    const cursor = cursorAt({ cluster: { second: T0, page: 3, total: 7, restarts: 0 } });
    const next = advance(cursor, usersAt([T0]), 7, 2);
    expect(next).toMatchObject({ afterSecond: T0, done: false });
    expect(next.cluster).toBeUndefined();
  });

  it('when users lack the time field, the rest of the range is paged by offset, from its first page', () => {
    const users = [{ userId: 'a' }, { userId: 'b', modifiedTime: T0 }];
    const next = advance(cursorAt({ field: 'modifiedTime' }), users, 30, 2);
    expect(next.cluster).toEqual({ second: null, page: 0, total: null, restarts: 0 });
    expect(next.done).toBe(false);
  });

  it('in range mode, a short page ends the scan', () => {
    const cursor = cursorAt({ cluster: { second: null, page: 4, total: 9, restarts: 0 } });
    const next = advance(cursor, [{ userId: 'a' }], 9, 2);
    expect(next.done).toBe(true);
    expect(next.cluster).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Simulation: an in-memory Descope search with the documented semantics, and the scan loop the workflow runs.

interface SimUser {
  userId: string;
  /** The time Descope returns, in seconds. */
  second: number;
  /** The time Descope filters on, in ms (inside `second`). */
  ms: number;
  /** Descope omits the field from this user (modifiedTime may be missing). */
  hidesField: boolean;
}

/** A seeded PRNG in [0, 1) (the emulator's mulberry32), so a failing seed replays exactly. */
const prng = (seed: number): (() => number) => createPrng(seed).next;

/**
 * Descope's search as documented: ms filters (`from` exclusive, `to` inclusive, 0 = none), offset paging with no
 * snapshot, the requested sort, and an order among rows equal on every sort key that changes on every request.
 */
function fakeSearch(live: Map<string, SimUser>, field: Field, seed: number): (request: SearchRequest) => SearchPage {
  const random = prng(seed);
  return (request) => {
    const from = field === 'createdTime' ? request.fromCreatedTime : request.fromModifiedTime;
    const to = field === 'createdTime' ? request.toCreatedTime : request.toModifiedTime;
    const matches = [...live.values()].filter((u) => (!from || u.ms > from) && (!to || u.ms <= to));
    const shuffled = matches.map((user) => ({ user, tie: random() }));
    const keys = request.sort ?? [];
    shuffled.sort((a, b) => {
      for (const { field: key, desc } of keys) {
        const order = key === 'id' ? compare(a.user.userId, b.user.userId) : a.user.second - b.user.second;
        if (order !== 0) return desc ? -order : order;
      }
      return a.tie - b.tie;
    });
    const limit = request.limit ?? 100;
    const start = request.offset && request.offset > 0 ? request.offset : (request.page ?? 0) * limit;
    const users = shuffled.slice(start, start + limit).map(({ user }) => toDescope(user, field));
    return { users, total: matches.length };
  };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const toDescope = (user: SimUser, field: Field): DescopeUser =>
  user.hidesField ? { userId: user.userId } : { userId: user.userId, [field]: user.second };

interface ScanRun {
  read: Set<string>;
  requests: number;
}

/** The workflow's loop: one request per page until the cursor is done. `between` runs before every request. */
function runScan(
  search: (request: SearchRequest) => SearchPage,
  options: { field: Field; pageSize: number; upperMs?: number; between?: (request: number) => void },
): ScanRun {
  let cursor = cursorAt({ field: options.field, upperMs: options.upperMs ?? UPPER_MS });
  const read = new Set<string>();
  let requests = 0;
  while (!cursor.done) {
    if (requests > 100_000) throw new Error(`scan did not finish: ${JSON.stringify(cursor)}`);
    options.between?.(requests);
    const page = search(nextRequest(cursor, options.pageSize));
    requests += 1;
    for (const user of page.users) read.add(user.userId);
    cursor = advance(cursor, page.users, page.total, options.pageSize);
  }
  return { read, requests };
}

/** Users in shared-second clusters of 1 to 350, the big ones rarer, with gaps between the seconds. */
function clusteredUsers(seed: number, clusterCount: number): { users: SimUser[]; sizes: number[] } {
  const random = prng(seed);
  const users: SimUser[] = [];
  const sizes: number[] = [];
  let second = T0;
  for (let c = 0; c < clusterCount; c++) {
    const roll = random();
    const size = roll < 0.5 ? 1 : roll < 0.8 ? 2 + Math.floor(random() * 19) : 21 + Math.floor(random() * 330);
    sizes.push(size);
    for (let i = 0; i < size; i++) {
      const ms = second * 1000 + Math.floor(random() * 1000);
      users.push({ userId: `U${c}-${i}`, second, ms, hidesField: false });
    }
    second += 1 + Math.floor(random() * 3);
  }
  sizes.push(350);
  for (let i = 0; i < 350; i++) users.push({ userId: `B${i}`, second, ms: second * 1000 + i, hidesField: false });
  return { users, sizes };
}

const liveMap = (users: SimUser[]): Map<string, SimUser> => new Map(users.map((u) => [u.userId, u]));

describe('a keyset scan against a Descope-like search', () => {
  const { users, sizes } = clusteredUsers(42, 120);

  for (const field of ['createdTime', 'modifiedTime'] as const) {
    for (const pageSize of [1, 2, 7, 33, 100]) {
      it(`reads every user with a bounded number of requests (${field}, pages of ${pageSize})`, () => {
        const run = runScan(fakeSearch(liveMap(users), field, pageSize), { field, pageSize });
        expect(run.read.size).toBe(users.length);
        // A page's worth of users costs at most three requests (its page, the re-read of its last second, the
        // entry into a crowded second); a second at most one more (the short page that ends a crowded second).
        const bound = 3 * Math.ceil(users.length / pageSize) + sizes.length;
        expect(run.requests).toBeLessThanOrEqual(bound);
      });
    }
  }

  for (const pageSize of [3, 7, 100]) {
    it(`when nothing changes, reads each user once but for the one or two per request that anchor it (pages of ${pageSize})`, () => {
      const search = fakeSearch(liveMap(users), 'createdTime', pageSize);
      let rows = 0;
      const counted = (request: SearchRequest) => {
        const page = search(request);
        rows += page.users.length;
        return page;
      };
      const run = runScan(counted, { field: 'createdTime', pageSize });
      expect(run.read.size).toBe(users.length);
      expect(rows - users.length).toBeLessThanOrEqual(2 * run.requests);
      // Each request brings at least pageSize - 2 new users, but for the short page that ends each crowded
      // second and the scan's last one.
      const crowded = sizes.filter((size) => size > pageSize).length;
      expect(run.requests).toBeLessThanOrEqual(Math.ceil(users.length / (pageSize - 2)) + crowded + 1);
    });
  }

  it('against a Descope that ignores `offset`, still reads every user, and stops resuming after three misses', () => {
    const search = fakeSearch(liveMap(users), 'createdTime', 5);
    const ignoring = (request: SearchRequest) => search({ ...request, offset: undefined });
    const run = runScan(ignoring, { field: 'createdTime', pageSize: 33 });
    expect(run.read.size).toBe(users.length);
    const offsets = runScan(search, { field: 'createdTime', pageSize: 33 });
    // The misses cost at most one page each, and then it pages as without offsets.
    expect(run.requests).toBeLessThanOrEqual(3 * Math.ceil(users.length / 33) + sizes.length + 3);
    expect(run.requests).toBeGreaterThan(offsets.requests);
  });

  it('stops at the upper bound, inside a crowded second', () => {
    const second = T0 + 7;
    const crowd = Array.from({ length: 250 }, (_, i) => ({
      userId: `C${i}`,
      second,
      ms: second * 1000 + i * 4,
      hidesField: false,
    }));
    const upperMs = second * 1000 + 500;
    const run = runScan(fakeSearch(liveMap(crowd), 'createdTime', 1), { field: 'createdTime', pageSize: 20, upperMs });
    expect([...run.read].sort()).toEqual(
      crowd
        .filter((u) => u.ms <= upperMs)
        .map((u) => u.userId)
        .sort(),
    );
  });

  it('when more users than a page are deleted behind the offset in a crowded second, no later user is skipped', () => {
    const crowd = Array.from({ length: 30 }, (_, i) => ({
      userId: `C${String(i).padStart(2, '0')}`,
      second: T0,
      ms: T0 * 1000 + i,
      hidesField: false,
    }));
    const live = liveMap(crowd);
    // Requests 1-4 read the second's pages 0-3 (C00-C07); then five users already read disappear at once.
    const between = (request: number) => {
      if (request === 5) for (const user of crowd.slice(0, 5)) live.delete(user.userId);
    };
    const run = runScan(fakeSearch(live, 'createdTime', 9), { field: 'createdTime', pageSize: 2, between });
    expect(
      crowd
        .slice(5)
        .map((u) => u.userId)
        .filter((id) => !run.read.has(id)),
    ).toEqual([]);
  });

  it('when no user carries the field, reads them all by offset over the range', () => {
    const hidden = users.slice(0, 900).map((u) => ({ ...u, hidesField: true }));
    const run = runScan(fakeSearch(liveMap(hidden), 'modifiedTime', 3), { field: 'modifiedTime', pageSize: 50 });
    expect(run.read.size).toBe(hidden.length);
    // The keyset page that found no field, 18 full pages of 50, then the empty page that ends the range.
    expect(run.requests).toBe(1 + 18 + 1);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Property: users deleted while the scan runs never make it skip a user that survives.

const simUser = fc.record({
  /** Taken modulo the scenario's span of seconds: a short span crowds many users into one second. */
  second: fc.nat(),
  offsetMs: fc.integer({ min: 0, max: 999 }),
  survives: fc.boolean(),
  hidesField: fc.integer({ min: 0, max: 24 }).map((n) => n === 0),
  /** Changed while the scan runs (one in ten): its time moves later, maybe still inside the range. */
  moves: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});

const scenario = fc.record({
  users: fc.array(simUser, { maxLength: 400, size: 'max' }),
  spanSeconds: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 40 })),
  field: fc.constantFrom<Field>('createdTime', 'modifiedTime'),
  /** Small pages half the time: they make crowded seconds, and deletions of more than a page between requests. */
  pageSize: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 100 })),
  /** Per request, indexes (modulo the doomed users still alive) of users deleted just before it. */
  deletions: fc.array(fc.array(fc.nat(), { maxLength: 8 }), { maxLength: 200, size: 'max' }),
  /** Per request, indexes (modulo the users that change) of users whose time moves just before it, and how far. */
  changes: fc.array(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 5 })), { maxLength: 4 }), {
    maxLength: 200,
  }),
  upperSecond: fc.integer({ min: 0, max: 41 }),
  /** Whether some users lack the field (the scan falls back to offset paging over the range). */
  someHideField: fc.boolean(),
  seed: fc.integer(),
});

/** Deletes the users `picks` names (modulo the doomed users still alive) before a request. */
function deleteSome(live: Map<string, SimUser>, doomed: SimUser[], picks: number[] = []): void {
  for (const pick of picks) {
    const alive = doomed.filter((u) => live.has(u.userId));
    const victim = alive[pick % Math.max(alive.length, 1)];
    if (victim) live.delete(victim.userId);
  }
}

/**
 * Changes the users `picks` names before a request: a change moves a user later in the order (Descope bumps its
 * time), often still inside the range, so rows behind it slide back by one, as for a deletion, with no change in
 * Descope's total. Returns how many moved.
 */
function changeSome(live: Map<string, SimUser>, changing: SimUser[], picks: [number, number][] = []): number {
  let moved = 0;
  for (const [pick, seconds] of picks) {
    const alive = changing.filter((u) => live.has(u.userId));
    const user = alive[pick % Math.max(alive.length, 1)];
    if (!user) continue;
    live.set(user.userId, { ...user, second: user.second + seconds, ms: user.ms + seconds * 1000 });
    moved += 1;
  }
  return moved;
}

describe('a keyset scan while users are deleted and changed', () => {
  it('reads every user that survives the scan unchanged, and nothing after the upper bound', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const { users, spanSeconds, field, pageSize, deletions, changes, upperSecond, someHideField, seed } = input;
        const sim = users.map((u, i) => ({
          userId: `U${i}`,
          second: T0 + (u.second % spanSeconds),
          ms: (T0 + (u.second % spanSeconds)) * 1000 + u.offsetMs,
          hidesField: someHideField && u.hidesField,
          survives: u.survives,
          // Where users lack the field, the range is paged by plain offset, whose only guard is Descope's total:
          // a change that keeps a user inside the range leaves it unchanged. Real scans fix their upper bound
          // before they start, so a change made while one runs takes its user out of the range (the total falls).
          moves: !someHideField && u.moves,
        }));
        const upperMs = (T0 + upperSecond) * 1000 + 500;
        const byId = new Map(sim.map((u) => [u.userId, u]));
        const live = liveMap(sim);
        const doomed = sim.filter((u) => !u.survives);
        const changing = sim.filter((u) => u.moves);
        let moved = 0;
        const between = (request: number) => {
          deleteSome(live, doomed, deletions[request]);
          moved += changeSome(live, changing, changes[request]);
        };
        const run = runScan(fakeSearch(live, field, seed), { field, pageSize, upperMs, between });
        const expected = sim.filter((u) => u.survives && !u.moves && u.ms <= upperMs).map((u) => u.userId);
        expect(expected.filter((id) => !run.read.has(id))).toEqual([]);
        const after = [...run.read].filter((id) => !byId.get(id)?.moves && (byId.get(id)?.ms ?? 0) > upperMs);
        expect(after).toEqual([]);
        // A deletion or a change costs at most the discarded page and one page stepped back.
        const seconds = new Set(sim.map((u) => u.second)).size;
        const deleted = sim.length - live.size;
        const bound = 3 * Math.ceil(sim.length / pageSize) + 2 * seconds + 2 * (deleted + moved) + 2;
        expect(run.requests).toBeLessThanOrEqual(bound);
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Property: the same, read over several lanes at once (the backfill's laneScan), pages completing in any order.

describe('a lane scan while users are deleted and changed', () => {
  it('reads every user that survives, each once when nothing changes, whatever order the lanes complete in', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.integer({ min: 2, max: 16 }),
        fc.array(fc.nat(), { maxLength: 400 }),
        ({ users, spanSeconds, pageSize, deletions, changes, upperSecond, seed }, width, picks) => {
          const sim = users.map((u, i) => ({
            userId: `U${i}`,
            second: T0 + (u.second % spanSeconds),
            ms: (T0 + (u.second % spanSeconds)) * 1000 + u.offsetMs,
            hidesField: false,
            survives: u.survives,
            moves: u.moves,
          }));
          const upperMs = (T0 + upperSecond) * 1000 + 500;
          const live = liveMap(sim);
          const doomed = sim.filter((u) => !u.survives);
          const changing = sim.filter((u) => u.moves);
          let moved = 0;
          const search = fakeSearch(live, 'createdTime', seed);
          const lanes: Lane[] = [{ cursor: cursorAt({ upperMs }), remaining: null, busy: false }];
          const read = new Map<string, number>();
          let requests = 0;
          let written = 0;
          while (lanes.length > 0) {
            if (requests > 100_000) throw new Error('lane scan did not finish');
            deleteSome(live, doomed, deletions[requests]);
            moved += changeSome(live, changing, changes[requests]);
            // Any lane may be the next to complete a page: the simulation picks one.
            const lane = lanes[(picks[requests % Math.max(picks.length, 1)] ?? 0) % lanes.length]!;
            const page = search(nextRequest(lane.cursor, pageSize));
            requests += 1;
            const toWrite = usersToWrite(lane.cursor, page.users, pageSize);
            for (const user of toWrite) read.set(user.userId, (read.get(user.userId) ?? 0) + 1);
            written += toWrite.length;
            const cursor = advance(lane.cursor, page.users, page.total, pageSize);
            settleLane(
              lanes,
              lane,
              { cursor, total: page.total, totals: { seen: toWrite.length } },
              { width, pageSize },
            );
            expect(lanes.length).toBeLessThanOrEqual(width);
          }
          const expected = sim.filter((u) => u.survives && !u.moves && u.ms <= upperMs).map((u) => u.userId);
          expect(expected.filter((id) => !(read.get(id)! > 0))).toEqual([]);
          const late = (id: string) => sim.find((u) => u.userId === id && !u.moves && u.ms > upperMs);
          expect([...read.keys()].filter(late)).toEqual([]);
          if (live.size === sim.length && moved === 0) {
            // Nothing changed: every user in range is written exactly once, and lanes cost few extra requests.
            expect(written).toBe(sim.filter((u) => u.ms <= upperMs).length);
            const seconds = new Set(sim.map((u) => u.second)).size;
            expect(requests).toBeLessThanOrEqual(3 * Math.ceil(sim.length / pageSize) + 2 * seconds + 2 * width + 2);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Short pages: a page that holds fewer users than Descope's own total says it should is a fault, never the end.

describe('missingFromPage', () => {
  it('a keyset page shorter than the page size while the total says more match lacks the difference', () => {
    expect(missingFromPage(cursorAt(), 0, 250, 100)).toBe(100);
    expect(missingFromPage(cursorAt(), 40, 250, 100)).toBe(60);
    expect(missingFromPage(cursorAt(), 40, 70, 100)).toBe(30);
  });

  it('a real last page (as many users as the total) and a full page lack nothing', () => {
    expect(missingFromPage(cursorAt(), 7, 7, 100)).toBe(0);
    expect(missingFromPage(cursorAt(), 0, 0, 100)).toBe(0);
    expect(missingFromPage(cursorAt(), 100, 5000, 100)).toBe(0);
  });

  it('paging by offset, a page lacks what the total implies for its offset', () => {
    const cluster = { second: T0, page: 2, total: 250, restarts: 0 };
    expect(missingFromPage(cursorAt({ cluster }), 50, 250, 100)).toBe(0);
    expect(missingFromPage(cursorAt({ cluster }), 0, 250, 100)).toBe(50);
    expect(missingFromPage(cursorAt({ cluster: { ...cluster, page: 1 } }), 60, 250, 100)).toBe(40);
    // Deletions shrank the second below this offset: an empty page is what Descope should send.
    expect(missingFromPage(cursorAt({ cluster: { ...cluster, page: 3 } }), 0, 240, 100)).toBe(0);
    const range = { second: null, page: 4, total: 900, restarts: 0 };
    expect(missingFromPage(cursorAt({ afterSecond: T0, cluster: range }), 10, 450, 100)).toBe(40);
  });
});

/** A search that, when `truncate` says so for a request, drops rows from its page but still reports the true total. */
function flakySearch(
  search: (request: SearchRequest) => SearchPage,
  truncate: (request: number) => number | undefined,
): { search: (request: SearchRequest) => SearchPage; truncated: Set<number> } {
  let requests = 0;
  const truncated = new Set<number>();
  return {
    truncated,
    search: (request) => {
      const page = search(request);
      const keep = truncate(requests);
      if (keep !== undefined && keep < page.users.length) truncated.add(requests);
      requests += 1;
      return keep === undefined ? page : { ...page, users: page.users.slice(0, keep) };
    },
  };
}

describe('a keyset scan when Descope sends short pages', () => {
  it('flags exactly the pages that were cut short, and re-reading them reads every surviving user', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.array(fc.option(fc.nat({ max: 100 }), { freq: 3 }), { maxLength: 300 }),
        ({ users, spanSeconds, field, pageSize, deletions, upperSecond, someHideField, seed }, cuts) => {
          const sim = users.map((u, i) => ({
            userId: `U${i}`,
            second: T0 + (u.second % spanSeconds),
            ms: (T0 + (u.second % spanSeconds)) * 1000 + u.offsetMs,
            hidesField: someHideField && u.hidesField,
            survives: u.survives,
          }));
          const upperMs = (T0 + upperSecond) * 1000 + 500;
          const live = liveMap(sim);
          const doomed = sim.filter((u) => !u.survives);
          const flaky = flakySearch(fakeSearch(live, field, seed), (request) => cuts[request] ?? undefined);
          let cursor = cursorAt({ field, upperMs });
          const read = new Set<string>();
          let requests = 0;
          while (!cursor.done) {
            if (requests > 100_000) throw new Error('scan did not finish');
            for (const pick of deletions[requests] ?? []) {
              const alive = doomed.filter((u) => live.has(u.userId));
              const victim = alive[pick % Math.max(alive.length, 1)];
              if (victim) live.delete(victim.userId);
            }
            const page = flaky.search(nextRequest(cursor, pageSize));
            const short = missingFromPage(cursor, page.users.length, page.total, pageSize) > 0;
            // Exactly the cut pages are flagged: a true last page, or an empty one past the end, never is.
            expect(short).toBe(flaky.truncated.has(requests));
            requests += 1;
            if (short) continue; // the activity fails the attempt: Temporal reads the same request again
            for (const user of page.users) read.add(user.userId);
            cursor = advance(cursor, page.users, page.total, pageSize);
          }
          const expected = sim.filter((u) => u.survives && u.ms <= upperMs).map((u) => u.userId);
          expect(expected.filter((id) => !read.has(id))).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
