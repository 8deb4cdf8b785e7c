import { createHash } from 'node:crypto';

/** Safe inside a Temporal workflow id (`descope-event-<eventId>`). */
const SAFE_PART = /^[A-Za-z0-9_-]{1,128}$/;

export interface IdentityFields {
  action: string;
  userId: string | undefined;
  occurredMs: number | undefined;
  actorId: string | undefined;
  data: unknown;
  /** When the delivery arrived: part of the identity only of an event that neither Descope's ID nor `occurred` dates. */
  receivedMs: number;
}

/**
 * Descope's own `ID` when it sends one (documented only for audit search records), else a hash of what makes the
 * event itself, so a redelivery maps to the same id while different changes to the same user do not. An event
 * with neither ID nor `occurred` cannot be told from an identical later change (disable, enable, disable): its
 * delivery's receipt time joins the hash, so such events are deduplicated within a delivery only. Applying a
 * redelivered one again costs a re-read; merging two real changes would lose the last one.
 */
export function eventIdOf(id: unknown, fields: IdentityFields): string {
  if (typeof id === 'string' && id !== '') return safePart(id);
  const { action, userId, occurredMs, actorId, data } = fields;
  const received = occurredMs === undefined ? fields.receivedMs : undefined;
  return sha256Hex(canonicalJson({ action, userId, occurred: occurredMs, received, actorId, data: data ?? undefined }));
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
