import { AUDIT_FEED_STATE_ID, workflowIds } from '../../workflows/messages';
import type { Client } from '@temporalio/client';
import type { MongoStore } from '../store/mongoStore';

/** The audit feed as `status` reports it: where its cursor is, how far behind, and whether its reads fail. */
export interface FeedReport {
  /** The workflow's status in Temporal (RUNNING, CANCELLED, ...), null when it never ran or Temporal did not say. */
  workflow: string | null;
  state: string | null;
  cursor: string | null;
  lagSeconds: number | null;
  lastPollAt: string | null;
  polls: number;
  requests: number;
  events: number;
  /** A read being retried (an audit search outage, 429s): its attempt and last error. */
  failing: { attempt: number; error: string } | null;
  lastFallback: { at: string; cursorWas: string; workflowId: string } | null;
}

export async function feedReport(
  store: MongoStore,
  client: Client,
  projectId: string,
  nowMs = Date.now(),
): Promise<FeedReport> {
  const state = await store.getState<Record<string, unknown>>(AUDIT_FEED_STATE_ID);
  const described = await client.workflow
    .getHandle(workflowIds.auditFeed(projectId))
    .describe()
    .catch(() => undefined);
  const pending = described?.raw.pendingActivities?.find((a) => (a.attempt ?? 1) > 1);
  const cursorMs = typeof state?.cursorMs === 'number' ? state.cursorMs : null;
  const fallback = state?.lastFallback as { at?: unknown; cursorWas?: unknown; workflowId?: unknown } | undefined;
  return {
    workflow: described?.status.name ?? null,
    state: typeof state?.state === 'string' ? state.state : null,
    cursor: cursorMs === null ? null : new Date(cursorMs).toISOString(),
    lagSeconds: cursorMs === null ? null : Math.max(Math.round((nowMs - cursorMs) / 1000), 0),
    lastPollAt: iso(state?.lastPollAt),
    polls: numberOr0(state?.polls),
    requests: numberOr0(state?.requests),
    events: numberOr0(state?.events),
    failing: pending
      ? { attempt: pending.attempt ?? 0, error: (pending.lastFailure?.message ?? 'unknown').slice(0, 200) }
      : null,
    lastFallback: fallback
      ? {
          at: iso(fallback.at) ?? '?',
          cursorWas: iso(fallback.cursorWas) ?? '?',
          workflowId: String(fallback.workflowId),
        }
      : null,
  };
}

/** One line (two with a fallback) for a person. */
export function feedLine(feed: FeedReport): string {
  if (feed.cursor === null) return `${feed.workflow ? `${feed.workflow.toLowerCase()}, ` : ''}no poll yet`;
  const running = feed.workflow === 'RUNNING';
  const parts = [
    running
      ? (feed.state ?? 'running')
      : `${(feed.workflow ?? 'not running').toLowerCase()} (last state ${feed.state ?? '?'})`,
    `cursor ${feed.cursor} (${feed.lagSeconds} s behind)`,
    `${feed.events} events handed over in ${feed.polls} polls, ${feed.requests} audit searches`,
  ];
  if (feed.failing) parts.push(`audit search failing, attempt ${feed.failing.attempt}: ${feed.failing.error}`);
  const fallback = feed.lastFallback
    ? `\n  fell back to a full reconciliation at ${feed.lastFallback.at}: its cursor (${feed.lastFallback.cursorWas}) was older than audit search reaches (30 days); ${feed.lastFallback.workflowId}`
    : '';
  return parts.join(', ') + fallback;
}

function iso(value: unknown): string | null {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' || typeof value === 'number') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? null : date.toISOString();
  }
  return null;
}

function numberOr0(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}
