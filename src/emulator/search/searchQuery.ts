import { z } from 'zod';

/** The sort fields Descope accepts, mapped to the user value each one orders by. */
export const SORT_FIELDS = [
  'id',
  'modifiedTime',
  'createdTime',
  'externalId',
  'displayName',
  'tenant',
  'phoneNumber',
  'email',
  'status',
] as const;
export type SortField = (typeof SORT_FIELDS)[number];

export interface TenantRoleFilter {
  values: ReadonlySet<string>;
  and: boolean;
}

/** A search request after defaults and normalisation; an absent filter matches everyone. */
export interface SearchQuery {
  start: number;
  limit: number;
  sort: { field: SortField; desc: boolean }[];
  text?: string;
  statuses?: ReadonlySet<string>;
  tenantIds?: ReadonlySet<string>;
  roleNames?: ReadonlySet<string>;
  customAttributes?: [string, unknown[]][];
  emails?: ReadonlySet<string>;
  phones?: ReadonlySet<string>;
  loginIds?: ReadonlySet<string>;
  userIds?: ReadonlySet<string>;
  ssoAppIds?: ReadonlySet<string>;
  withTestUser: boolean;
  testUsersOnly: boolean;
  tenantRoleIds?: Map<string, TenantRoleFilter>;
  tenantRoleNames?: Map<string, TenantRoleFilter>;
  verifiedEmail?: boolean;
  verifiedPhone?: boolean;
  /** Epoch milliseconds; `from` exclusive, `to` inclusive. */
  fromCreatedMs?: number;
  toCreatedMs?: number;
  fromModifiedMs?: number;
  toModifiedMs?: number;
}

export class InvalidSearchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSearchError';
  }
}

const list = z.array(z.string()).nullish();
const count = z.union([z.number(), z.string().regex(/^-?\d+$/)]).nullish();
/** The API spec types times as strings while SDKs send numbers; both mean epoch milliseconds. */
const epochMs = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/), z.null()]).optional();
const tenantRoles = z
  .record(z.string(), z.object({ values: z.array(z.string()), and: z.boolean().nullish() }))
  .nullish();

export const searchBody = z.object({
  page: count,
  limit: count,
  offset: count,
  sort: z.array(z.object({ field: z.string(), desc: z.boolean().nullish() })).nullish(),
  text: z.string().nullish(),
  statuses: list,
  tenantIds: list,
  roleNames: list,
  customAttributes: z.record(z.string(), z.unknown()).nullish(),
  emails: list,
  phones: list,
  loginIds: list,
  userIds: list,
  ssoAppIds: list,
  withTestUser: z.boolean().nullish(),
  testUsersOnly: z.boolean().nullish(),
  tenantRoleIds: tenantRoles,
  tenantRoleNames: tenantRoles,
  verifiedEmail: z.boolean().nullish(),
  verifiedPhone: z.boolean().nullish(),
  fromCreatedTime: epochMs,
  toCreatedTime: epochMs,
  fromModifiedTime: epochMs,
  toModifiedTime: epochMs,
});
export type SearchBody = z.infer<typeof searchBody>;
