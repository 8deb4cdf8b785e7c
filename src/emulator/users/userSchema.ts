import { z } from 'zod';
import { USER_STATUSES } from '../types';

const strings = z.array(z.string());
const attributeValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]);
const seconds = z.number().int().nonnegative();

/** A partial user in Descope's response shape, as the admin API accepts it. Times are epoch seconds. */
export const userPatchSchema = z
  .object({
    userId: z.string().min(1),
    loginIds: strings,
    externalIds: strings,
    email: z.string(),
    phone: z.string(),
    name: z.string(),
    givenName: z.string(),
    middleName: z.string(),
    familyName: z.string(),
    picture: z.string(),
    verifiedEmail: z.boolean(),
    verifiedPhone: z.boolean(),
    roleNames: strings,
    userTenants: z.array(
      z.object({
        tenantId: z.string().min(1),
        tenantName: z.string().default(''),
        roleNames: strings.default([]),
        permissions: strings.default([]),
      }),
    ),
    permissions: strings,
    status: z.enum(USER_STATUSES),
    test: z.boolean(),
    editable: z.boolean(),
    customAttributes: z.record(z.string(), attributeValue),
    createdTime: seconds,
    modifiedTime: seconds,
    TOTP: z.boolean(),
    SAML: z.boolean(),
    SCIM: z.boolean(),
    OIDC: z.boolean(),
    push: z.boolean(),
    OAuth: z.record(z.string(), z.boolean()),
    webauthn: z.boolean(),
    password: z.boolean(),
    ssoAppIds: strings,
  })
  .partial();
