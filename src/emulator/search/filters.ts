import type { DescopeUser } from '../types';
import type { SearchQuery, TenantRoleFilter } from './searchQuery';

type Predicate = (user: DescopeUser) => boolean;

/**
 * One predicate per filter the request sets; a user must pass all of them. Within a list filter any listed value
 * matches. Test users are hidden unless the request asks for them, as Descope does.
 */
export function buildPredicate(query: SearchQuery): Predicate {
  const checks: Predicate[] = [];
  if (query.testUsersOnly) checks.push((user) => user.test);
  else if (!query.withTestUser) checks.push((user) => !user.test);
  const { statuses, tenantIds, roleNames, emails, phones, loginIds, userIds, ssoAppIds } = query;
  if (userIds) checks.push((user) => userIds.has(user.userId));
  if (statuses) checks.push((user) => statuses.has(user.status));
  if (tenantIds) checks.push((user) => user.userTenants.some((tenant) => tenantIds.has(tenant.tenantId)));
  if (roleNames) checks.push((user) => user.roleNames.some((role) => roleNames.has(role)));
  if (emails) checks.push((user) => emails.has(user.email.toLowerCase()));
  if (phones) checks.push((user) => phones.has(user.phone));
  if (loginIds) checks.push((user) => user.loginIds.some((id) => loginIds.has(id.toLowerCase())));
  if (ssoAppIds) checks.push((user) => user.ssoAppIds.some((id) => ssoAppIds.has(id)));
  if (query.verifiedEmail !== undefined) checks.push((user) => user.verifiedEmail === query.verifiedEmail);
  if (query.verifiedPhone !== undefined) checks.push((user) => user.verifiedPhone === query.verifiedPhone);
  if (query.text) checks.push(textMatch(query.text));
  if (query.customAttributes) checks.push(attributesMatch(query.customAttributes));
  // Descope has no role ids separate from names in this emulator: both maps match role names.
  if (query.tenantRoleIds) checks.push(tenantRolesMatch(query.tenantRoleIds));
  if (query.tenantRoleNames) checks.push(tenantRolesMatch(query.tenantRoleNames));
  checks.push(...timeChecks(query));
  return allOf(checks);
}

/** A plain loop: this runs once per scanned user, up to a million times per request. */
function allOf(checks: Predicate[]): Predicate {
  const [only] = checks;
  if (checks.length === 1 && only) return only;
  return (user) => {
    for (let i = 0; i < checks.length; i++) if (!(checks[i] as Predicate)(user)) return false;
    return true;
  };
}

/** True when the request filters on nothing but test-user visibility, so counts can stand in for a scan. */
export function onlyTestFilter(query: SearchQuery): boolean {
  const keys = Object.keys(query) as (keyof SearchQuery)[];
  return keys.every((key) => ['start', 'limit', 'sort', 'withTestUser', 'testUsersOnly'].includes(key));
}

/** User times are seconds and filters milliseconds: compare `seconds * 1000`, `from` exclusive, `to` inclusive. */
function timeChecks(query: SearchQuery): Predicate[] {
  const checks: Predicate[] = [];
  const { fromCreatedMs, toCreatedMs, fromModifiedMs, toModifiedMs } = query;
  if (fromCreatedMs !== undefined) checks.push((user) => user.createdTime * 1000 > fromCreatedMs);
  if (toCreatedMs !== undefined) checks.push((user) => user.createdTime * 1000 <= toCreatedMs);
  if (fromModifiedMs !== undefined) checks.push((user) => user.modifiedTime * 1000 > fromModifiedMs);
  if (toModifiedMs !== undefined) checks.push((user) => user.modifiedTime * 1000 <= toModifiedMs);
  return checks;
}

function textMatch(text: string): Predicate {
  const has = (value: string): boolean => value.toLowerCase().includes(text);
  return (user) =>
    has(user.userId) ||
    has(user.email) ||
    has(user.phone) ||
    has(user.name) ||
    has(user.givenName) ||
    has(user.familyName) ||
    user.loginIds.some(has);
}

/** A listed value matches a scalar attribute equal to it, or an array attribute containing it. */
function attributesMatch(filters: [string, unknown[]][]): Predicate {
  return (user) =>
    filters.every(([key, wanted]) => {
      const value = user.customAttributes[key];
      if (value === undefined) return false;
      const values: unknown[] = Array.isArray(value) ? value : [value];
      return wanted.some((candidate) => values.includes(candidate));
    });
}

function tenantRolesMatch(filters: Map<string, TenantRoleFilter>): Predicate {
  return (user) =>
    user.userTenants.some((tenant) => {
      const filter = filters.get(tenant.tenantId);
      if (!filter) return false;
      const has = (role: string): boolean => tenant.roleNames.includes(role);
      return filter.and ? [...filter.values].every(has) : [...filter.values].some(has);
    });
}
