import type { Request, Router } from 'express';
import type { EmulatorContext } from '../context';
import { invalidArguments } from '../http/descopeErrors';
import { mountRoute } from '../http/route';
import { parseSearch } from '../search/parseSearch';
import { runSearch, type SearchResult } from '../search/runSearch';
import { InvalidSearchError, searchBody } from '../search/searchQuery';

/** `/v2` is what node's SDK calls; `/v1` is the older path other SDKs still use; `/test` is test users only. */
export function searchRoutes(router: Router, ctx: EmulatorContext): void {
  const spec = { method: 'post', endpoint: 'search', rateClass: 'search' } as const;
  mountRoute(router, ctx, { ...spec, path: '/v2/mgmt/user/search' }, (req) => search(ctx, req, false));
  mountRoute(router, ctx, { ...spec, path: '/v1/mgmt/user/search' }, (req) => search(ctx, req, false));
  mountRoute(router, ctx, { ...spec, path: '/v2/mgmt/user/search/test' }, (req) => search(ctx, req, true));
}

function search(ctx: EmulatorContext, req: Request, testUsersOnly: boolean): SearchResult {
  const body = searchBody.parse(req.body ?? {});
  let query;
  try {
    query = parseSearch(testUsersOnly ? { ...body, withTestUser: true, testUsersOnly: true } : body, ctx);
  } catch (error) {
    if (error instanceof InvalidSearchError) throw invalidArguments(error.message);
    throw error;
  }
  const result = runSearch(ctx.users.store, query, ctx.searchCache);
  const outage = ctx.faults.emptySearch();
  if (outage) return { users: [], total: outage === 'zero' ? 0 : result.total };
  return result;
}
