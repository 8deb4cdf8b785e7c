import { sortByTime } from '../store/sortUsers';
import type { TimeIndex } from '../store/timeIndex';
import type { UserStore } from '../store/userStore';
import type { DescopeUser } from '../types';
import { buildPredicate, onlyTestFilter } from './filters';
import { indexOrder, searchComparator } from './order';
import type { SearchCache } from './searchCache';
import type { SearchQuery } from './searchQuery';

export interface SearchResult {
  users: DescopeUser[];
  total: number;
}

interface Candidates {
  index: TimeIndex;
  name: 'created' | 'modified';
  lo: number;
  hi: number;
}

type Matches = (user: DescopeUser) => boolean;

/**
 * Offset paging over the matching users in a stable order, like Descope: no snapshot, so concurrent writes
 * shift rows between pages. Time filters narrow the scan to a slice of a time index, and the ordered matches
 * are cached until the next write, so paging through a large result does not redo the work for every page.
 */
export function runSearch(store: UserStore, query: SearchQuery, cache?: SearchCache): SearchResult {
  const matches = buildPredicate(query);
  if (query.userIds && query.userIds.size <= 1000) {
    const users = [...query.userIds].map((id) => store.get(id)).filter((user) => user !== undefined);
    return page(users.filter(matches).sort(searchComparator(query.sort)), query);
  }
  const candidates = narrowest(store, query);
  const order = indexOrder(query.sort);
  const known = order?.index === candidates.name ? knownTotal(store, query, candidates) : undefined;
  if (order && known !== undefined) return streamedPage(candidates, matches, query, order.desc, known);
  const cached = cache?.get(query, store.version());
  if (cached) return page(cached, query);
  let ordered: DescopeUser[];
  if (order?.index === candidates.name) ordered = collect(candidates, matches, order.desc);
  else if (order) ordered = timeOrdered(collect(candidates, matches, false), order.index, order.desc);
  else ordered = collect(candidates, matches, false).sort(searchComparator(query.sort));
  cache?.set(query, store.version(), ordered);
  return page(ordered, query);
}

function page(ordered: DescopeUser[], query: SearchQuery): SearchResult {
  return { users: ordered.slice(query.start, query.start + query.limit), total: ordered.length };
}

function narrowest(store: UserStore, query: SearchQuery): Candidates {
  const [createdLo, createdHi] = store.created.rangeMs(query.fromCreatedMs, query.toCreatedMs);
  const created: Candidates = { index: store.created, name: 'created', lo: createdLo, hi: createdHi };
  if (query.fromModifiedMs === undefined && query.toModifiedMs === undefined) return created;
  const [modifiedLo, modifiedHi] = store.modified.rangeMs(query.fromModifiedMs, query.toModifiedMs);
  return modifiedHi - modifiedLo < createdHi - createdLo
    ? { index: store.modified, name: 'modified', lo: modifiedLo, hi: modifiedHi }
    : created;
}

/** An unfiltered search over the whole project: the total is a count, no scan needed. */
function knownTotal(store: UserStore, query: SearchQuery, { lo, hi, index }: Candidates): number | undefined {
  if (!onlyTestFilter(query) || lo !== 0 || hi !== index.size) return undefined;
  if (query.testUsersOnly) return store.testCount();
  return query.withTestUser ? store.count() : store.count() - store.testCount();
}

function collect({ index, lo, hi }: Candidates, matches: Matches, desc: boolean): DescopeUser[] {
  const users: DescopeUser[] = [];
  for (let step = 0; step < hi - lo; step++) {
    const user = index.at(desc ? hi - 1 - step : lo + step) as DescopeUser;
    if (matches(user)) users.push(user);
  }
  return users;
}

/** The comparator's order for a single time key, by the much faster numeric sort. */
function timeOrdered(users: DescopeUser[], index: 'created' | 'modified', desc: boolean): DescopeUser[] {
  const sorted = sortByTime(users, index === 'created' ? (user) => user.createdTime : (user) => user.modifiedTime);
  return desc ? sorted.reverse() : sorted;
}

/** Walks the index only as far as the requested window: the total is already known. */
function streamedPage(
  { index, lo, hi }: Candidates,
  matches: Matches,
  query: SearchQuery,
  desc: boolean,
  total: number,
): SearchResult {
  const users: DescopeUser[] = [];
  const end = query.start + query.limit;
  let seen = 0;
  for (let step = 0; step < hi - lo && seen < end; step++) {
    const user = index.at(desc ? hi - 1 - step : lo + step) as DescopeUser;
    if (!matches(user)) continue;
    if (seen >= query.start) users.push(user);
    seen++;
  }
  return { users, total };
}
