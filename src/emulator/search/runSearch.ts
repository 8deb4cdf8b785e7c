import type { TimeIndex } from '../store/timeIndex';
import type { UserStore } from '../store/userStore';
import type { DescopeUser } from '../types';
import { buildPredicate } from './filters';
import { indexOrder, searchComparator } from './order';
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

/**
 * Offset paging over the matching users in a stable order, like Descope: no snapshot, so concurrent writes
 * shift rows between pages. Time filters narrow the scan to a slice of a time index; when that index already
 * has the requested order the page is cut out in one pass, otherwise the matches are sorted.
 */
export function runSearch(store: UserStore, query: SearchQuery): SearchResult {
  const matches = buildPredicate(query);
  if (query.userIds && query.userIds.size <= 1000) {
    const users = [...query.userIds].map((id) => store.get(id)).filter((user) => user !== undefined);
    return sortedPage(users.filter(matches), query);
  }
  const candidates = narrowest(store, query);
  const order = indexOrder(query.sort);
  if (order?.index !== candidates.name) return sortedPage(collect(candidates, matches), query);
  return streamedPage(candidates, matches, query, order.desc);
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

function collect({ index, lo, hi }: Candidates, matches: (user: DescopeUser) => boolean): DescopeUser[] {
  const users: DescopeUser[] = [];
  for (let i = lo; i < hi; i++) {
    const user = index.at(i) as DescopeUser;
    if (matches(user)) users.push(user);
  }
  return users;
}

function sortedPage(users: DescopeUser[], query: SearchQuery): SearchResult {
  users.sort(searchComparator(query.sort));
  return { users: users.slice(query.start, query.start + query.limit), total: users.length };
}

/** Counts every match for `total` but keeps only the requested window. */
function streamedPage(
  { index, lo, hi }: Candidates,
  matches: (user: DescopeUser) => boolean,
  query: SearchQuery,
  desc: boolean,
): SearchResult {
  const users: DescopeUser[] = [];
  const end = query.start + query.limit;
  let total = 0;
  for (let step = 0; step < hi - lo; step++) {
    const user = index.at(desc ? hi - 1 - step : lo + step) as DescopeUser;
    if (!matches(user)) continue;
    if (total >= query.start && total < end) users.push(user);
    total++;
  }
  return { users, total };
}
