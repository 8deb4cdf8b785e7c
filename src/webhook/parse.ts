import { eventIdOf, memberEventId } from './eventId.js';
import { inspectJson } from './json.js';
import {
  BATCH_ACTIONS,
  SINGLE_OF_BATCH,
  USER_ACTIONS,
  batchEventSchema,
  describeProblem,
  describeZodError,
  userEventSchema,
} from './schema.js';
import type { ApplyRequest, BatchAction, ParseResult, SinkWork, UserAction, WindowRequest } from './types.js';

type Failure = Extract<ParseResult, { ok: false }>;
type Planned = { applies: ApplyRequest[]; windows: WindowRequest[] } | Failure;

const isUserAction = (a: string): a is UserAction => (USER_ACTIONS as readonly string[]).includes(a);
const isBatchAction = (a: string): a is BatchAction => (BATCH_ACTIONS as readonly string[]).includes(a);
const fail = (code: string, message: string): Failure => ({ ok: false, status: 400, code, message });

/**
 * Turns a parsed webhook body (an array of audit events or one event) into sink work. Pure and total: any JSON
 * value yields either work or a 400 naming the offending field; it never throws.
 */
export function parseDelivery(body: unknown, opts: { maxEvents: number; receivedMs: number }): ParseResult {
  const list = Array.isArray(body) ? (body as unknown[]) : [body];
  if (list.length > opts.maxEvents) {
    return fail('too_many_events', `body: ${list.length} events, more than the ${opts.maxEvents} allowed`);
  }
  const problem = inspectJson(body);
  if (problem) return fail(problem.code, problem.message);

  const work: SinkWork = { applies: [], windows: [] };
  const ignoredByAction = new Map<string, number>();
  for (const [index, event] of list.entries()) {
    const at = Array.isArray(body) ? [index] : [];
    const action = actionOf(event, at);
    if (typeof action !== 'string') return action;
    if (!isUserAction(action) && !isBatchAction(action)) {
      increment(ignoredByAction, action);
      continue;
    }
    const planned = isUserAction(action) ? planUserEvent(event, at, opts.receivedMs) : planBatchEvent(event, at, opts);
    if ('ok' in planned) return planned;
    // Not push(...spread): a batch may list more users than a call can take arguments.
    work.applies = work.applies.concat(planned.applies);
    work.windows = work.windows.concat(planned.windows);
  }
  const duplicatesByAction = new Map<string, number>();
  const events = {
    applies: unique(work.applies, duplicatesByAction),
    windows: unique(work.windows, duplicatesByAction),
  };
  return {
    ok: true,
    events,
    duplicates: sum(duplicatesByAction),
    duplicatesByAction,
    ignored: sum(ignoredByAction),
    ignoredByAction,
  };
}

function actionOf(event: unknown, at: number[]): string | Failure {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return fail('invalid_event', describeProblem(at, [], 'expected an audit event object'));
  }
  const action: unknown = (event as Record<string, unknown>).action;
  if (typeof action === 'string' && action !== '') return action;
  return fail('invalid_event', describeProblem(at, ['action'], 'expected a non-empty string'));
}

function planUserEvent(event: unknown, at: number[], receivedMs: number): Planned {
  const parsed = userEventSchema.safeParse(event);
  if (!parsed.success) return fail('invalid_event', describeZodError(parsed.error, at));
  const { ID, action, userId, occurred, actorId, data } = parsed.data;
  if (!userId) return fail('invalid_event', describeProblem(at, ['userId'], `required for a ${action} event`));
  const occurredMs = occurred ?? undefined;
  const eventId = eventIdOf(ID, { action, userId, occurredMs, actorId: actorId ?? undefined, data });
  return { applies: [{ eventId, action: action as UserAction, userId, occurredMs, receivedMs }], windows: [] };
}

function planBatchEvent(event: unknown, at: number[], opts: { receivedMs: number }): Planned {
  const parsed = batchEventSchema.safeParse(event);
  if (!parsed.success) return fail('invalid_event', describeZodError(parsed.error, at));
  const { ID, userId, occurred, actorId, data } = parsed.data;
  const action = parsed.data.action as BatchAction;
  const occurredMs = occurred ?? undefined;
  const eventId = eventIdOf(ID, {
    action,
    userId: userId ?? undefined,
    occurredMs,
    actorId: actorId ?? undefined,
    data,
  });
  const userIds = new Set([
    ...(parsed.data.userIds ?? []),
    ...(data?.userIds ?? []),
    ...(data?.users ?? []).map((u) => u.userId),
  ]);
  const { receivedMs } = opts;
  if (userIds.size > 0) {
    const applies = [...userIds].map((id) => ({
      eventId: memberEventId(eventId, id),
      action: SINGLE_OF_BATCH[action],
      userId: id,
      occurredMs,
      receivedMs,
      batchAction: action,
    }));
    return { applies, windows: [] };
  }
  // A batch that names nobody can only be honoured by reconciling around when it happened.
  if (occurredMs === undefined)
    return fail(
      'invalid_event',
      describeProblem(at, ['occurred'], `required for a ${action} event that lists no users`),
    );
  return { applies: [], windows: [{ eventId, action, occurredMs, receivedMs }] };
}

/** Keeps the first request per event id and counts the rest by the action that reached the endpoint. */
function unique<T extends ApplyRequest | WindowRequest>(requests: T[], dropped: Map<string, number>): T[] {
  const seen = new Map<string, T>();
  for (const request of requests) {
    if (!seen.has(request.eventId)) seen.set(request.eventId, request);
    else increment(dropped, 'batchAction' in request ? (request.batchAction ?? request.action) : request.action);
  }
  return [...seen.values()];
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function sum(counts: ReadonlyMap<string, number>): number {
  return [...counts.values()].reduce((a, b) => a + b, 0);
}
