import { z } from 'zod';
import type { AuditEvent } from '../types';

const list = z.array(z.string()).nullish();
const epochMs = z.union([z.number(), z.string().regex(/^\d+$/), z.null()]).optional();

/** `POST /v1/mgmt/audit/search`; node's SDK renames `loginIds` to `externalIds` on the way out. */
export const auditSearchBody = z.object({
  from: epochMs,
  to: epochMs,
  actions: list,
  excludedActions: list,
  userIds: list,
  actorIds: list,
  externalIds: list,
  tenants: list,
  text: z.string().nullish(),
  size: z.number().int().min(0).nullish(),
  page: z.number().int().min(0).nullish(),
});
export type AuditSearchBody = z.infer<typeof auditSearchBody>;

/** An audit search record: `occurred` as a numeric string and `externalIds` for login ids, as Descope sends. */
export interface AuditRecordWire extends Omit<AuditEvent, 'occurred' | 'loginIds'> {
  occurred: string;
  externalIds: string[];
}

const MAX_SIZE = 1000;
const DEFAULT_SIZE = 100;
const RETENTION_MS = 30 * 24 * 3600 * 1000;

/**
 * Newest first. `from` cannot reach back more than 30 days; older records are simply not returned. A batch event
 * matches a user id filter when it names that user.
 */
export function searchAudit(
  events: readonly AuditEvent[],
  body: AuditSearchBody,
  nowMs: number,
): { audits: AuditRecordWire[]; total: number } {
  const from = Math.max(Number(body.from ?? 0), nowMs - RETENTION_MS);
  const to = body.to ? Number(body.to) : Infinity;
  const size = Math.min(body.size || DEFAULT_SIZE, MAX_SIZE);
  const page = body.page ?? 0;
  const matches = events.filter((event) => event.occurred >= from && event.occurred <= to && filtersMatch(event, body));
  matches.reverse();
  return { audits: matches.slice(page * size, (page + 1) * size).map(toWire), total: matches.length };
}

function filtersMatch(event: AuditEvent, body: AuditSearchBody): boolean {
  const within = (values: readonly string[] | null | undefined, test: (value: string) => boolean): boolean =>
    !values || values.length === 0 || values.some(test);
  const namedUsers = Array.isArray(event.data.userIds) ? (event.data.userIds as unknown[]) : [];
  return (
    within(body.actions, (action) => action === event.action) &&
    !(body.excludedActions ?? []).includes(event.action) &&
    within(body.userIds, (id) => id === event.userId || namedUsers.includes(id)) &&
    within(body.actorIds, (id) => id === event.actorId) &&
    within(body.externalIds, (id) => event.loginIds.includes(id)) &&
    within(body.tenants, (id) => (event.tenants ?? []).includes(id)) &&
    (!body.text || JSON.stringify(event).toLowerCase().includes(body.text.toLowerCase()))
  );
}

function toWire(event: AuditEvent): AuditRecordWire {
  const { occurred, loginIds, ...rest } = event;
  return { ...rest, occurred: String(occurred), externalIds: loginIds };
}
