import { createHmac } from 'node:crypto';
import type { AuditEvent } from '../types';
import type { ResolvedWebhookOptions } from './options';

/** An event as the audit webhook delivers it: `occurred` in epoch ms plus a formatted copy. */
export type WebhookEvent = Omit<AuditEvent, 'ID'> & { ID?: string; occurred_formatted: string };

/** Descope formats with microseconds: 2026-06-08T20:18:25.871835Z. */
function formatOccurred(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

export function toWebhookEvent(
  event: AuditEvent,
  options: Pick<ResolvedWebhookOptions, 'includeEventIds' | 'batchEventsNameUsers'>,
): WebhookEvent {
  const { ID, ...rest } = event;
  const isBatch = event.action.startsWith('Users');
  const data = isBatch && !options.batchEventsNameUsers ? withoutUserIds(event.data) : event.data;
  return {
    ...(options.includeEventIds ? { ID } : {}),
    ...rest,
    occurred_formatted: formatOccurred(event.occurred),
    data,
  };
}

function withoutUserIds(data: Record<string, unknown>): Record<string, unknown> {
  const { userIds: _userIds, ...rest } = data;
  return rest;
}

/** base64(HMAC-SHA256(secret, bytes)) over the exact bytes put on the wire. */
export function signature(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}
