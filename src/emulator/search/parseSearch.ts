import {
  InvalidSearchError,
  SORT_FIELDS,
  type SearchBody,
  type SearchQuery,
  type SortField,
  type TenantRoleFilter,
} from './searchQuery';

export interface PagingLimits {
  /** Larger limits are clamped silently, as Descope does. */
  maxLimit: number;
}

const DEFAULT_LIMIT = 100;

/** Applies Descope's defaults: `0`, `null` and `[]` all mean "no filter"; `limit: 0` means the default 100. */
export function parseSearch(body: SearchBody, limits: PagingLimits): SearchQuery {
  const page = nonNegative(body.page, 'page');
  const limit = Math.min(nonNegative(body.limit, 'limit') || DEFAULT_LIMIT, limits.maxLimit);
  const offset = nonNegative(body.offset, 'offset');
  const query: SearchQuery = {
    start: offset > 0 ? offset : page * limit,
    limit,
    sort: (body.sort ?? []).map(({ field, desc }) => ({ field: sortField(field), desc: desc ?? false })),
    withTestUser: body.withTestUser ?? false,
    testUsersOnly: body.testUsersOnly ?? false,
  };
  if (body.text) query.text = body.text.toLowerCase();
  query.statuses = set(body.statuses);
  query.tenantIds = set(body.tenantIds);
  query.roleNames = set(body.roleNames);
  query.emails = set(body.emails?.map((email) => email.toLowerCase()));
  query.phones = set(body.phones);
  query.loginIds = set(body.loginIds?.map((loginId) => loginId.toLowerCase()));
  query.userIds = set(body.userIds);
  query.ssoAppIds = set(body.ssoAppIds);
  query.customAttributes = customAttributes(body.customAttributes);
  query.tenantRoleIds = tenantRoles(body.tenantRoleIds);
  query.tenantRoleNames = tenantRoles(body.tenantRoleNames);
  if (typeof body.verifiedEmail === 'boolean') query.verifiedEmail = body.verifiedEmail;
  if (typeof body.verifiedPhone === 'boolean') query.verifiedPhone = body.verifiedPhone;
  query.fromCreatedMs = epochMs(body.fromCreatedTime);
  query.toCreatedMs = epochMs(body.toCreatedTime);
  query.fromModifiedMs = epochMs(body.fromModifiedTime);
  query.toModifiedMs = epochMs(body.toModifiedTime);
  return dropUndefined(query);
}

function nonNegative(value: number | string | null | undefined, name: string): number {
  const number = value === null || value === undefined ? 0 : Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidSearchError(`${name} must be a non-negative integer`);
  return number;
}

function sortField(field: string): SortField {
  const known = SORT_FIELDS.find((candidate) => candidate === field);
  if (!known) throw new InvalidSearchError(`unsupported sort field "${field}"; use one of ${SORT_FIELDS.join(', ')}`);
  return known;
}

function set(values: readonly string[] | null | undefined): ReadonlySet<string> | undefined {
  return values && values.length > 0 ? new Set(values) : undefined;
}

/** `0` and `null` mean no filter; a millisecond value may arrive as a number or a numeric string. */
function epochMs(value: number | string | null | undefined): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const ms = Number(value);
  return ms === 0 ? undefined : ms;
}

function customAttributes(filter: Record<string, unknown> | null | undefined): [string, unknown[]][] | undefined {
  if (!filter) return undefined;
  const entries = Object.entries(filter).map(([key, value]): [string, unknown[]] => [
    key,
    Array.isArray(value) ? value : [value],
  ]);
  return entries.length > 0 ? entries : undefined;
}

function tenantRoles(
  filter: Record<string, { values: string[]; and?: boolean | null }> | null | undefined,
): Map<string, TenantRoleFilter> | undefined {
  if (!filter) return undefined;
  const entries = Object.entries(filter).filter(([, roles]) => roles.values.length > 0);
  if (entries.length === 0) return undefined;
  return new Map(entries.map(([tenantId, roles]) => [tenantId, { values: new Set(roles.values), and: !!roles.and }]));
}

function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}
