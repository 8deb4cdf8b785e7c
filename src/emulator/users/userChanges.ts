import { TENANTS } from '../seed/pools';
import type { DescopeUser, DescopeUserTenant } from '../types';

/** Field values to set on a user; an absent key leaves the field alone. */
export type UserChanges = Partial<Omit<DescopeUser, 'userId'>>;

/** Tenants as clients send them: a tenant id and role names; the emulator fills in the tenant's name. */
export interface TenantInput {
  tenantId: string;
  roleNames?: string[] | null;
}

export function toUserTenants(tenants: readonly TenantInput[]): DescopeUserTenant[] {
  return tenants.map((tenant) => ({
    tenantId: tenant.tenantId,
    tenantName: TENANTS.get(tenant.tenantId) ?? '',
    roleNames: tenant.roleNames ?? [],
    permissions: [],
  }));
}

/** A new user with every field present, as Descope returns it. Times are epoch seconds. */
export function buildUser(userId: string, changes: UserChanges, nowSec: number): DescopeUser {
  const loginIds = changes.loginIds ?? [];
  const givenName = changes.givenName ?? '';
  const familyName = changes.familyName ?? '';
  const createdTime = changes.createdTime ?? nowSec;
  return {
    userId,
    loginIds,
    externalIds: changes.externalIds ?? loginIds,
    email: changes.email ?? '',
    phone: changes.phone ?? '',
    name: changes.name ?? [givenName, changes.middleName, familyName].filter(Boolean).join(' '),
    givenName,
    middleName: changes.middleName ?? '',
    familyName,
    picture: changes.picture ?? '',
    verifiedEmail: changes.verifiedEmail ?? false,
    verifiedPhone: changes.verifiedPhone ?? false,
    roleNames: changes.roleNames ?? [],
    userTenants: changes.userTenants ?? [],
    permissions: changes.permissions ?? [],
    status: changes.status ?? 'enabled',
    test: changes.test ?? false,
    editable: changes.editable ?? true,
    customAttributes: changes.customAttributes ?? {},
    createdTime,
    modifiedTime: changes.modifiedTime ?? Math.max(createdTime, nowSec),
    TOTP: changes.TOTP ?? false,
    SAML: changes.SAML ?? false,
    SCIM: changes.SCIM ?? false,
    OIDC: changes.OIDC ?? false,
    push: changes.push ?? false,
    OAuth: changes.OAuth ?? {},
    webauthn: changes.webauthn ?? false,
    password: changes.password ?? false,
    ssoAppIds: changes.ssoAppIds ?? [],
  };
}

/**
 * The next version of a user. Every change bumps `modifiedTime` to now, even one that sets a field to its
 * current value, unless the caller sets `modifiedTime` itself (admin tools that stage history).
 */
export function applyChanges(user: DescopeUser, changes: UserChanges, nowSec: number): DescopeUser {
  const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
  const next: DescopeUser = { ...user, ...defined, userId: user.userId };
  if (changes.loginIds && !changes.externalIds) next.externalIds = changes.loginIds;
  if (changes.modifiedTime === undefined) next.modifiedTime = Math.max(nowSec, next.createdTime);
  return next;
}

/** Bookkeeping, not content: a change event never lists them. */
const UNCOMPARED: ReadonlySet<string> = new Set(['userId', 'modifiedTime', 'externalIds']);

/** The `data.Change` of a UserModified event: each changed field with its new value. */
export function changedFields(before: DescopeUser, after: DescopeUser): Record<string, unknown> {
  const change: Record<string, unknown> = {};
  for (const field of Object.keys(after) as (keyof DescopeUser)[]) {
    if (UNCOMPARED.has(field)) continue;
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) change[field] = after[field];
  }
  return change;
}
