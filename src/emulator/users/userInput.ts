import { z } from 'zod';
import { USER_STATUSES } from '../types';
import { toUserTenants, type UserChanges } from './userChanges';

/**
 * Request bodies of the SDK's user calls. `null` and absent both mean "not given": SDKs in other languages send
 * nulls where node omits keys. Unknown keys (passwords, invite options) are ignored.
 */

const strings = z.array(z.string()).nullish();
const attributeValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]);
const tenants = z.array(z.object({ tenantId: z.string().min(1), roleNames: strings })).nullish();

const userFields = z.object({
  email: z.string().nullish(),
  phone: z.string().nullish(),
  displayName: z.string().nullish(),
  givenName: z.string().nullish(),
  middleName: z.string().nullish(),
  familyName: z.string().nullish(),
  picture: z.string().nullish(),
  roleNames: strings,
  userTenants: tenants,
  customAttributes: z.record(z.string(), attributeValue).nullish(),
  verifiedEmail: z.boolean().nullish(),
  verifiedPhone: z.boolean().nullish(),
  ssoAppIds: strings,
  status: z.enum(USER_STATUSES).nullish(),
  scim: z.boolean().nullish(),
});

export const createBody = userFields.extend({
  loginId: z.string().min(1),
  additionalLoginIds: strings,
  test: z.boolean().nullish(),
  invite: z.boolean().nullish(),
  /** Migrations may backdate users; Descope's batch create accepts it. Epoch seconds. */
  createdTime: z.number().int().positive().nullish(),
});
export type CreateBody = z.infer<typeof createBody>;

/** `loginId` may hold a login id or a user id. */
export const updateBody = userFields.extend({ loginId: z.string().min(1), additionalLoginIds: strings });
export type UpdateBody = z.infer<typeof updateBody>;

export const patchBody = userFields.extend({ loginId: z.string().min(1), additionalIdentifiers: strings });
export type PatchBody = z.infer<typeof patchBody>;

export const createBatchBody = z.object({ users: z.array(createBody), invite: z.boolean().nullish() });
export const patchBatchBody = z.object({ users: z.array(patchBody) });

type Fields = z.infer<typeof userFields>;

/** Only the fields a body sets. */
function givenFields(body: Fields): UserChanges {
  const changes: UserChanges = {
    email: body.email ?? undefined,
    phone: body.phone ?? undefined,
    name: body.displayName ?? undefined,
    givenName: body.givenName ?? undefined,
    middleName: body.middleName ?? undefined,
    familyName: body.familyName ?? undefined,
    picture: body.picture ?? undefined,
    roleNames: body.roleNames ?? undefined,
    userTenants: body.userTenants ? toUserTenants(body.userTenants) : undefined,
    customAttributes: body.customAttributes ?? undefined,
    verifiedEmail: body.verifiedEmail ?? undefined,
    verifiedPhone: body.verifiedPhone ?? undefined,
    ssoAppIds: body.ssoAppIds ?? undefined,
    status: body.status ?? undefined,
    SCIM: body.scim ?? undefined,
  };
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
}

export function createChanges(body: CreateBody, forceTest: boolean): UserChanges {
  return {
    ...givenFields(body),
    loginIds: [body.loginId, ...(body.additionalLoginIds ?? [])],
    test: forceTest || (body.test ?? false),
    ...(body.invite ? { status: 'invited' as const } : {}),
    ...(body.createdTime ? { createdTime: body.createdTime } : {}),
  };
}

/**
 * Descope's update overrides every detail: what the body leaves out is cleared. Flags the body cannot carry
 * (status, test, authentication methods) stay as they were.
 */
export function replacementChanges(body: UpdateBody, currentLoginIds: readonly string[]): UserChanges {
  const isLoginId = currentLoginIds.some((id) => id.toLowerCase() === body.loginId.toLowerCase());
  const primary = isLoginId ? body.loginId : (currentLoginIds[0] ?? body.loginId);
  return {
    email: '',
    phone: '',
    name: '',
    givenName: '',
    middleName: '',
    familyName: '',
    picture: '',
    roleNames: [],
    userTenants: [],
    customAttributes: {},
    ssoAppIds: [],
    ...givenFields(body),
    loginIds: [primary, ...(body.additionalLoginIds ?? [])],
  };
}

export function patchChanges(body: PatchBody, currentLoginIds: readonly string[]): UserChanges {
  const changes = givenFields(body);
  if (!body.additionalIdentifiers) return changes;
  return { ...changes, loginIds: [currentLoginIds[0] ?? body.loginId, ...body.additionalIdentifiers] };
}
