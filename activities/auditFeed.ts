import { ApplicationFailure } from '@temporalio/activity';
import { parseDelivery } from '../src/webhook/parse';
import { BATCH_ACTIONS, USER_ACTIONS } from '../src/webhook/schema';
import { withDescopeFailures } from './failures';
import { withHeartbeats } from './heartbeat';
import type { AuditRecord } from '../src/descope/api';
import type { ActivityDeps } from './deps';
import type { ApplyEventInput } from '../src/messages';
import type { IntakeWindow } from '../src/messages';

/** The audit actions the feed reads: the ones the webhook acts on. */
export const FEED_ACTIONS: string[] = [...USER_ACTIONS, ...BATCH_ACTIONS];

/**
 * User ids one page may hand back to the workflow (its result lands in workflow history, where a payload must
 * stay well under Temporal's 2 MB): a page of batch events naming more is cut, and the rest read next time.
 */
export const MAX_PAGE_USER_IDS = 20_000;

export interface AuditPageInput {
  fromMs: number;
  /** Inclusive upper bound of this request. */
  upperMs: number;
  page: number;
  size: number;
}

export interface AuditPageOutput {
  /** Events as the webhook would hand them to an intake: the same ids for the same records. */
  events: ApplyEventInput[];
  windows: IntakeWindow[];
  /** Records this page took (a page cut at MAX_PAGE_USER_IDS takes fewer than it holds). */
  records: number;
  total: number;
  /** `occurred` of the oldest record taken: the next page's upper bound. null when the page was empty. */
  oldestMs: number | null;
  /** Every record of [fromMs, upperMs] has now been taken (this page and the ones before it). */
  complete: boolean;
  /** Records skipped: invalid as webhook events, or naming more users than an event may. */
  invalid: number;
}

/**
 * One audit search request per call (Descope allows 10 a minute; the feed workflow paces them). Records become
 * events through the webhook's own parser, so a record and a webhook delivery of the same change get the same
 * event id, and the event workflow (`descope-event-<id>`) runs once. Only ids and times return to the workflow.
 */
export function auditFeedActivities({ audit, projectId, metrics, now = Date.now }: ActivityDeps) {
  return {
    readAuditPage: (input: AuditPageInput): Promise<AuditPageOutput> =>
      withHeartbeats(async () => {
        if (!audit) {
          throw ApplicationFailure.create({
            type: 'AuditFeedUnavailable',
            message: 'this worker has no audit search client',
            nonRetryable: true,
          });
        }
        const request = {
          from: input.fromMs,
          to: input.upperMs,
          actions: FEED_ACTIONS,
          size: input.size,
          page: input.page,
        };
        const page = await withDescopeFailures(
          () => audit.searchAudit(request),
          () => metrics?.rateLimited.inc({ call: 'audit' }),
          undefined,
          now,
        );
        metrics?.auditFeed.requests.inc();
        const taken = takeRecords(page.audits, input.upperMs);
        const parsed = parseDelivery(taken.map(asWebhookEvent), {
          maxEvents: Number.MAX_SAFE_INTEGER,
          receivedMs: now(),
          projectId,
        });
        if (!parsed.ok) throw new Error(`audit records could not be parsed: ${parsed.message}`);
        for (const record of taken) metrics?.auditFeed.records.inc({ action: String(record.action) });
        const oldest = taken.length > 0 ? occurredOf(taken[taken.length - 1]!) : null;
        const cut = taken.length < page.audits.length;
        return {
          events: parsed.events.applies.map(({ userIds, userId, ...event }) => ({
            ...event,
            ...(userId === undefined ? {} : { userId }),
            ...(userIds === undefined ? {} : { userIds }),
            occurredMs: event.occurredMs ?? null,
          })),
          windows: parsed.events.windows,
          records: taken.length,
          total: page.total,
          oldestMs: oldest,
          complete: !cut && input.page * input.size + page.audits.length >= page.total,
          invalid: parsed.invalid,
        };
      }),
  };
}

/** Newest first, up to MAX_PAGE_USER_IDS named users; a page whose records all share its upper time is taken whole. */
function takeRecords(records: AuditRecord[], upperMs: number): AuditRecord[] {
  let users = 0;
  for (const [index, record] of records.entries()) {
    users += namedUsers(record);
    if (users > MAX_PAGE_USER_IDS && index > 0) {
      // Cutting here must move the upper bound down, or the next request would read the same page again.
      if (occurredOf(records[index - 1]!) < upperMs) return records.slice(0, index);
    }
  }
  return records;
}

function namedUsers(record: AuditRecord): number {
  const data = record.data as { userIds?: unknown; users?: unknown } | null | undefined;
  const list = (value: unknown) => (Array.isArray(value) ? value.length : 0);
  return 1 + list(record.userIds) + list(data?.userIds) + list(data?.users);
}

function occurredOf(record: AuditRecord): number {
  const ms = Math.trunc(Number(record.occurred));
  return Number.isFinite(ms) ? ms : 0;
}

/**
 * The record as the audit webhook delivers it. Deliveries seen from Descope carry no `ID` (it is documented only
 * for audit search), so the webhook derives an event's id from action, user, `occurred`, actor and data: the
 * feed drops the ID to derive the same one. A record without `occurred` keeps its ID, the only identity it has.
 */
function asWebhookEvent(record: AuditRecord): Record<string, unknown> {
  const { ID, ...rest } = record;
  return record.occurred === undefined || record.occurred === null ? { ...rest, ID } : rest;
}
