import { createHash } from 'node:crypto';

/** Safe inside a Temporal workflow id (`descope-event-<eventId>`) and free of our own `:` separator. */
const SAFE_PART = /^[A-Za-z0-9_-]{1,128}$/;

export interface IdentityFields {
  action: string;
  userId: string | undefined;
  occurredMs: number | undefined;
  actorId: string | undefined;
  data: unknown;
}

/**
 * Descope's own `ID` when it sends one (documented only for audit search records), else a hash of what makes the
 * event itself, so a redelivery maps to the same id while different changes to the same user do not.
 */
export function eventIdOf(id: unknown, fields: IdentityFields): string {
  if (typeof id === 'string' && id !== '') return safePart(id);
  const { action, userId, occurredMs, actorId, data } = fields;
  return sha256Hex(canonicalJson({ action, userId, occurred: occurredMs, actorId, data: data ?? undefined }));
}

/** A batch member's id: one per (event, user), so each user's apply is deduplicated on its own. */
export function memberEventId(eventId: string, userId: string): string {
  return `${eventId}:${safePart(userId)}`;
}

function safePart(value: string): string {
  return SAFE_PART.test(value) ? value : `h${sha256Hex(value)}`;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** JSON with object keys sorted at every level and undefined/null members dropped, so key order cannot matter. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const sorted: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined && member !== null) sorted[key] = sortKeys(member);
  }
  return sorted;
}
