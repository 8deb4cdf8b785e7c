import { z } from 'zod';
import { USER_STATUSES, type DescopeUser } from '../types';
import { toUserTenants, type UserChanges } from '../users/userChanges';

/** The SDK's single-purpose updates (activate, updateEmail, addRoles, ...): each is a patch of a few fields. */
interface SmallUpdate<T extends { loginId: string }> {
  path: string;
  body: z.ZodType<T>;
  changes: (body: T, user: DescopeUser) => UserChanges;
}

const identified = z.object({ loginId: z.string().min(1) });
const roles = identified.extend({ tenantId: z.string().nullish(), roleNames: z.array(z.string()) });
const ssoApps = identified.extend({ ssoAppIds: z.array(z.string()) });
const tenant = identified.extend({ tenantId: z.string().min(1) });
const attributeValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]);

const define = <T extends { loginId: string }>(update: SmallUpdate<T>): SmallUpdate<{ loginId: string }> =>
  update as unknown as SmallUpdate<{ loginId: string }>;

const union = (a: readonly string[], b: readonly string[]): string[] => [...new Set([...a, ...b])];
const minus = (a: readonly string[], b: readonly string[]): string[] => a.filter((x) => !b.includes(x));

/** Project roles when no tenant is named, otherwise that tenant's roles. */
function withRoles(user: DescopeUser, tenantId: string | null | undefined, edit: (roles: string[]) => string[]) {
  if (!tenantId) return { roleNames: edit(user.roleNames) };
  const tenants = user.userTenants.some((t) => t.tenantId === tenantId)
    ? user.userTenants
    : [...user.userTenants, ...toUserTenants([{ tenantId }])];
  return {
    userTenants: tenants.map((t) => (t.tenantId === tenantId ? { ...t, roleNames: edit(t.roleNames) } : t)),
  };
}

export const smallUpdates: SmallUpdate<{ loginId: string }>[] = [
  define({
    path: '/v1/mgmt/user/update/status',
    body: identified.extend({ status: z.enum(USER_STATUSES) }),
    changes: (body) => ({ status: body.status }),
  }),
  define({
    path: '/v1/mgmt/user/update/email',
    body: identified.extend({ email: z.string(), verified: z.boolean().nullish() }),
    changes: (body) => ({
      email: body.email,
      ...(typeof body.verified === 'boolean' && { verifiedEmail: body.verified }),
    }),
  }),
  define({
    path: '/v1/mgmt/user/update/phone',
    body: identified.extend({ phone: z.string(), verified: z.boolean().nullish() }),
    changes: (body) => ({
      phone: body.phone,
      ...(typeof body.verified === 'boolean' && { verifiedPhone: body.verified }),
    }),
  }),
  define({
    path: '/v1/mgmt/user/update/name',
    body: identified.extend({
      displayName: z.string().nullish(),
      givenName: z.string().nullish(),
      middleName: z.string().nullish(),
      familyName: z.string().nullish(),
    }),
    changes: (body) => ({
      ...(typeof body.displayName === 'string' && { name: body.displayName }),
      ...(typeof body.givenName === 'string' && { givenName: body.givenName }),
      ...(typeof body.middleName === 'string' && { middleName: body.middleName }),
      ...(typeof body.familyName === 'string' && { familyName: body.familyName }),
    }),
  }),
  define({
    path: '/v1/mgmt/user/update/picture',
    body: identified.extend({ picture: z.string() }),
    changes: (body) => ({ picture: body.picture }),
  }),
  define({
    path: '/v1/mgmt/user/update/customAttribute',
    body: identified.extend({ attributeKey: z.string().min(1), attributeValue }),
    changes: (body, user) => ({
      customAttributes: { ...user.customAttributes, [body.attributeKey]: body.attributeValue },
    }),
  }),
  define({
    path: '/v1/mgmt/user/update/loginid',
    body: identified.extend({ newLoginId: z.string().min(1) }),
    changes: (body, user) => ({
      loginIds: user.loginIds.map((id) => (id.toLowerCase() === body.loginId.toLowerCase() ? body.newLoginId : id)),
    }),
  }),
  define({
    path: '/v1/mgmt/user/update/role/set',
    body: roles,
    changes: (body, user) => withRoles(user, body.tenantId, () => body.roleNames),
  }),
  define({
    path: '/v2/mgmt/user/update/role/add',
    body: roles,
    changes: (body, user) => withRoles(user, body.tenantId, (current) => union(current, body.roleNames)),
  }),
  define({
    path: '/v1/mgmt/user/update/role/remove',
    body: roles,
    changes: (body, user) => withRoles(user, body.tenantId, (current) => minus(current, body.roleNames)),
  }),
  define({
    path: '/v1/mgmt/user/update/tenant/add',
    body: tenant,
    changes: (body, user) => withRoles(user, body.tenantId, (current) => current),
  }),
  define({
    path: '/v1/mgmt/user/update/tenant/remove',
    body: tenant,
    changes: (body, user) => ({ userTenants: user.userTenants.filter((t) => t.tenantId !== body.tenantId) }),
  }),
  define({
    path: '/v1/mgmt/user/update/ssoapp/set',
    body: ssoApps,
    changes: (body) => ({ ssoAppIds: body.ssoAppIds }),
  }),
  define({
    path: '/v1/mgmt/user/update/ssoapp/add',
    body: ssoApps,
    changes: (body, user) => ({ ssoAppIds: union(user.ssoAppIds, body.ssoAppIds) }),
  }),
  define({
    path: '/v1/mgmt/user/update/ssoapp/remove',
    body: ssoApps,
    changes: (body, user) => ({ ssoAppIds: minus(user.ssoAppIds, body.ssoAppIds) }),
  }),
];
