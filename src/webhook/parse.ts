import { eventIdOf } from './eventId';
import { inspectJson } from './json';
import {
  BATCH_ACTIONS,
  USER_ACTIONS,
  batchEventSchema,
  describeProblem,
  describeZodError,
  userEventSchema,
} from './schema';
import type { ApplyRequest, BatchAction, ParseResult, SinkWork, UserAction, WindowRequest } from './types';

/** Most users one batch event may name (each becomes an id in workflow input; Descope's batch calls are smaller). */
export const MAX_BATCH_USERS = 10_000;
/** Problems quoted in a reply: enough to fix a sender, too few to echo a whole poison batch back. */
const MAX_PROBLEMS = 5;

export interface ParseOptions {
  maxEvents: number;
  receivedMs: number;
  /** The configured project: an event naming another one is skipped. */
  projectId?: string;
  maxBatchUsers?: number;
}

type Failure = Extract<ParseResult, { ok: false }>;
type Planned = { apply: ApplyRequest } | { window: WindowRequest } | { problem: string };

const isUserAction = (a: string): a is UserAction => (USER_ACTIONS as readonly string[]).includes(a);
const isBatchAction = (a: string): a is BatchAction => (BATCH_ACTIONS as readonly string[]).includes(a);
const fail = (code: string, message: string): Failure => ({ ok: false, status: 400, code, message });

/**
 * Turns a parsed webhook body (an array of audit events or one event) into sink work. Pure and total: any JSON
 * value yields work or a 400; it never throws. Only a whole-delivery problem (not an event list, too many
 * events) is a 400: an event that fails validation is skipped and counted, so it never costs its siblings.
 */
export function parseDelivery(body: unknown, opts: ParseOptions): ParseResult {
  const list = Array.isArray(body) ? (body as unknown[]) : [body];
  if (!Array.isArray(body) && !isObject(body)) {
    return fail('invalid_event', describeProblem([], [], 'expected an audit event object or a list of them'));
  }
  if (list.length > opts.maxEvents) {
    return fail('too_many_events', `body: ${list.length} events, more than the ${opts.maxEvents} allowed`);
  }
  const work: SinkWork = { applies: [], windows: [] };
  const ignoredByAction = new Map<string, number>();
  const invalidByAction = new Map<string, number>();
  const problems: string[] = [];
  for (const [index, event] of list.entries()) {
    const at = Array.isArray(body) ? [index] : [];
    const action = actionOf(event, at);
    if (typeof action !== 'string') {
      increment(invalidByAction, 'other');
      if (problems.length < MAX_PROBLEMS) problems.push(action.problem);
      continue;
    }
    if (!isUserAction(action) && !isBatchAction(action)) {
      increment(ignoredByAction, action);
      continue;
    }
    const planned = plan(event as Record<string, unknown>, action, at, opts);
    if ('problem' in planned) {
      increment(invalidByAction, action);
      if (problems.length < MAX_PROBLEMS) problems.push(planned.problem);
    } else if ('apply' in planned) work.applies.push(planned.apply);
    else work.windows.push(planned.window);
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
    invalid: sum(invalidByAction),
    invalidByAction,
    problems,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function actionOf(event: unknown, at: number[]): string | { problem: string } {
  if (!isObject(event)) return { problem: describeProblem(at, [], 'expected an audit event object') };
  const action: unknown = event.action;
  if (typeof action === 'string' && action !== '') return action;
  return { problem: describeProblem(at, ['action'], 'expected a non-empty string') };
}

/** Checks one relevant event: shape and depth first (canonical hashing recurses), then its project. */
function plan(event: Record<string, unknown>, action: UserAction | BatchAction, at: number[], opts: ParseOptions) {
  const shape = inspectJson(event, at);
  if (shape) return { problem: shape.message };
  const projectId = event.projectId;
  if (opts.projectId && projectId !== undefined && projectId !== null && projectId !== opts.projectId) {
    return { problem: describeProblem(at, ['projectId'], 'another project than the one this sync serves') };
  }
  return isUserAction(action) ? planUserEvent(event, at, opts) : planBatchEvent(event, at, opts);
}

function planUserEvent(event: unknown, at: number[], opts: ParseOptions): Planned {
  const parsed = userEventSchema.safeParse(event);
  if (!parsed.success) return { problem: describeZodError(parsed.error, at) };
  const { ID, action, userId, occurred, actorId, data } = parsed.data;
  if (!userId) return { problem: describeProblem(at, ['userId'], `required for a ${action} event`) };
  const occurredMs = occurred ?? undefined;
  const eventId = eventIdOf(ID, {
    action,
    userId,
    occurredMs,
    actorId: actorId ?? undefined,
    data,
    receivedMs: opts.receivedMs,
  });
  const apply = { eventId, action: action as UserAction, userId, occurredMs, receivedMs: opts.receivedMs };
  return { apply };
}

function planBatchEvent(event: unknown, at: number[], opts: ParseOptions): Planned {
  const parsed = batchEventSchema.safeParse(event);
  if (!parsed.success) return { problem: describeZodError(parsed.error, at) };
  const { ID, userId, occurred, actorId, data } = parsed.data;
  const action = parsed.data.action as BatchAction;
  const occurredMs = occurred ?? undefined;
  const { receivedMs } = opts;
  const identity = { action, userId: userId ?? undefined, occurredMs, actorId: actorId ?? undefined, data };
  const eventId = eventIdOf(ID, { ...identity, receivedMs });
  const userIds = [
    ...new Set([...(parsed.data.userIds ?? []), ...(data?.userIds ?? []), ...(data?.users ?? []).map((u) => u.userId)]),
  ];
  const max = opts.maxBatchUsers ?? MAX_BATCH_USERS;
  if (userIds.length > max) {
    return {
      problem: describeProblem(at, [], `names ${userIds.length} users, more than the ${max} one event may name`),
    };
  }
  if (userIds.length > 0) return { apply: { eventId, action, userIds, occurredMs, receivedMs } };
  // A batch that names nobody can only be honoured by reconciling around when it happened.
  if (occurredMs === undefined) {
    return { problem: describeProblem(at, ['occurred'], `required for a ${action} event that lists no users`) };
  }
  return { window: { eventId, action, occurredMs, receivedMs } };
}

/** Keeps the first request per event id and counts the rest by the action that reached the endpoint. */
function unique<T extends ApplyRequest | WindowRequest>(requests: T[], dropped: Map<string, number>): T[] {
  const seen = new Map<string, T>();
  for (const request of requests) {
    if (!seen.has(request.eventId)) seen.set(request.eventId, request);
    else increment(dropped, request.action);
  }
  return [...seen.values()];
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function sum(counts: ReadonlyMap<string, number>): number {
  return [...counts.values()].reduce((a, b) => a + b, 0);
}
