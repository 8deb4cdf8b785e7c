import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { advance, missingFromPage, nextRequest, usersToWrite } from './keyset';
import { withDescopeFailures } from './failures';
import { withHeartbeats } from './heartbeat';
import type { ActivityDeps } from './deps';
import type { SearchPage } from '../src/descope/api';
import type { ScanCursor, WriteTotals } from '../src/messages';
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
 * Attempts at one page that may come back short before the scan gives up. Temporal retries a short page with
 * the search profile's backoff (1 s doubling to 60 s), so eight attempts wait out about two minutes of a
 * partial outage; after that the workflow fails where the operator sees it, instead of ending "completed"
 * with users missing.
 */
export const SHORT_PAGE_ATTEMPTS = 8;

/**
 * Exactly one Descope search per call, so the search task queue's rate limit IS the request budget.
 * The page goes straight into MongoDB; only the cursor and counts return to the workflow.
 *
 * Cancellation (a paused or cancelled scan withdrawing its pages) is honoured until the request is sent, and
 * ignored after it: a page that reached Descope is written and returned, so the workflow counts it once.
 */
export function scanActivities({ descope, store, metrics, gates, now = Date.now }: ActivityDeps) {
  return {
    scanPage: (input: ScanPageInput): Promise<ScanPageOutput> =>
      withHeartbeats(async () => {
        const request = { ...nextRequest(input.cursor, input.pageSize), withTestUser: input.withTestUser };
        let observedAt = 0;
        const page = await untilSent((markSent) =>
          withDescopeFailures(
            (sentAt) => {
              throwIfCancelled();
              markSent();
              observedAt = sentAt;
              return descope.searchUsers(request);
            },
            () => metrics?.rateLimited.inc({ call: 'search' }),
            gates?.search,
            now,
          ),
        );
        refuseShortPage(input, page);
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
          // A user MongoDB refused was still read: it counts as seen (its refusal is recorded in `refused`).
          totals: {
            seen: result.applied + result.unchanged + result.stale + (result.refused ?? 0),
            applied: result.applied,
            unchanged: result.unchanged,
            stale: result.stale,
            tombstoned: result.tombstoned,
            inserted: result.inserted,
          },
        };
      }),
  };
}

/** Fails the attempt (nothing written, cursor kept) when the page holds fewer users than its total implies. */
function refuseShortPage(input: ScanPageInput, page: SearchPage): void {
  const missing = missingFromPage(input.cursor, page.users.length, page.total, input.pageSize);
  if (missing === 0) return;
  const attempt = activityContext()?.info.attempt ?? 1;
  throw ApplicationFailure.create({
    type: 'ShortPage',
    message:
      `Descope returned ${page.users.length} users for a page of ${input.pageSize} while its total says ${page.total} ` +
      `match (${missing} missing; attempt ${attempt} of ${SHORT_PAGE_ATTEMPTS}): a partial outage or a clamped ` +
      'limit, not the end of the range',
    nonRetryable: attempt >= SHORT_PAGE_ATTEMPTS,
  });
}

/**
 * Runs `send`, but gives up the moment the activity is cancelled before the request goes out: a withdrawn page
 * still waiting out a 429 or a budget slot must not reach Descope. (The heartbeats of withHeartbeats deliver
 * the cancellation.) Once `markSent` is called, cancellation is ignored and the page completes.
 */
async function untilSent<T>(send: (markSent: () => void) => Promise<T>): Promise<T> {
  const context = activityContext();
  if (!context) return send(() => {});
  let sent = false;
  const withdrawn = new Promise<never>((_, reject) => {
    context.cancelled.catch((error: unknown) => {
      if (!sent) reject(error as Error);
    });
  });
  // A send left behind by a withdrawal stops at throwIfCancelled; the race has handled its rejection.
  return Promise.race([
    send(() => {
      sent = true;
    }),
    withdrawn,
  ]);
}

function throwIfCancelled(): void {
  const context = activityContext();
  if (context?.cancellationSignal.aborted) throw new CancelledFailure('page withdrawn before it was sent');
}

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
