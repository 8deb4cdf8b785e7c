import { advance, nextRequest, usersToWrite } from './keyset';
import { withDescopeFailures } from './failures';
import { withHeartbeats } from './heartbeat';
import type { ActivityDeps } from './deps';
import type { ScanCursor, WriteTotals } from '../workflows/messages';
import type { WriteSource } from '../src/store/types';

export interface ScanPageInput {
  cursor: ScanCursor;
  pageSize: number;
  withTestUser: boolean;
  source: WriteSource;
  /**
   * The scan's status record as of the previous page, saved alongside this page's users: one activity per
   * page instead of two. It describes pages already written, so saving it with this page is safe.
   */
  mirror?: { id: string; fields: Record<string, unknown> };
}

export interface ScanPageOutput {
  cursor: ScanCursor;
  total: number;
  totals: WriteTotals;
}

/**
 * Exactly one Descope search per call, so the search task queue's rate limit IS the request budget.
 * The page goes straight into MongoDB; only the cursor and counts return to the workflow.
 */
export function scanActivities({ descope, store, metrics, gates, now = Date.now }: ActivityDeps) {
  return {
    scanPage: (input: ScanPageInput): Promise<ScanPageOutput> =>
      withHeartbeats(async () => {
        const request = { ...nextRequest(input.cursor, input.pageSize), withTestUser: input.withTestUser };
        const observedAt = now();
        const page = await withDescopeFailures(
          () => descope.searchUsers(request),
          () => metrics?.rateLimited.inc({ call: 'search' }),
          gates?.search,
        );
        const [result] = await Promise.all([
          store.writeUsers(
            usersToWrite(input.cursor, page.users, input.pageSize).map((user) => ({
              kind: 'snapshot' as const,
              user,
              observedAt,
            })),
            input.source,
          ),
          input.mirror && store.setState(input.mirror.id, input.mirror.fields),
        ]);
        metrics?.recordWrite(input.source, result);
        metrics?.pages.inc({ source: input.source });
        return {
          cursor: advance(input.cursor, page.users, page.total, input.pageSize),
          total: page.total,
          totals: { seen: result.applied + result.unchanged + result.stale, ...result },
        };
      }),
  };
}
