import { randomUUID } from 'node:crypto';
import type { AuditAction, AuditEvent, DescopeUser } from '../types';

/** Who made a change and from where; Descope records the management key id as the actor of API calls. */
export interface Actor {
  actorId: string;
  remoteAddress: string;
}

interface EventBase {
  projectId: string;
  actor: Actor;
  occurred: number;
}

function baseEvent(action: AuditAction, base: EventBase): AuditEvent {
  return {
    ID: randomUUID(),
    action,
    type: 'info',
    projectId: base.projectId,
    userId: '',
    actorId: base.actor.actorId,
    occurred: base.occurred,
    device: 'Unknown',
    method: '',
    geo: '',
    remoteAddress: base.actor.remoteAddress,
    loginIds: [],
    tenants: null,
    data: {},
  };
}

/** UserCreated / UserModified / UserDeleted: ids and changed values, never the whole user. */
export function userEvent(
  action: 'UserCreated' | 'UserModified' | 'UserDeleted',
  user: DescopeUser,
  base: EventBase,
  data: Record<string, unknown> = {},
): AuditEvent {
  const tenants = user.userTenants.map((tenant) => tenant.tenantId);
  return {
    ...baseEvent(action, base),
    userId: user.userId,
    loginIds: [...user.loginIds],
    tenants: tenants.length > 0 ? tenants : null,
    data,
  };
}

/**
 * UsersCreated / UsersModified / UsersDeleted. How Descope lists a batch's users is undocumented; the emulator's
 * convention is `data.userIds` (the webhook sender can omit it to model the worst case).
 */
export function batchEvent(
  action: 'UsersCreated' | 'UsersModified' | 'UsersDeleted',
  users: readonly DescopeUser[],
  base: EventBase,
): AuditEvent {
  return { ...baseEvent(action, base), data: { userIds: users.map((user) => user.userId) } };
}
