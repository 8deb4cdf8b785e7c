import { descopeId } from '../ids';
import { createPrng } from '../prng';
import type { CustomAttributeValue, DescopeUserTenant, UserStatus } from '../types';

/**
 * Value pools for seeded users. Seeded users share these frozen arrays and objects instead of owning copies:
 * a million users would otherwise cost millions of tiny allocations. Stored users are never mutated in place.
 */

export const GIVEN_NAMES: readonly string[] = [
  ...'Ada Alan Amara Ana Arjun Beatriz Chen Chloe Dario Elena Emeka Fatima Grace Hana Hugo Ibrahim'.split(' '),
  ...'Ines Jane Jonas Kenji Lara Liam Lucia Malik Maya Mei Nadia Noah Olga Omar Priya Rafael'.split(' '),
  ...'Rosa Sami Sofia Tariq Uma Victor Wei Yara'.split(' '),
];

export const FAMILY_NAMES: readonly string[] = [
  ...'Abebe Andersen Baker Costa Dubois Eriksen Fischer Garcia Haddad Ito Jensen Kim Kowalski Lopez Martin'.split(' '),
  ...'Nakamura Novak Okafor Olsen Patel Quinn Rossi Sato Schmidt Silva Singh Smith Tanaka Usman Varga'.split(' '),
  ...'Wang Weber Yilmaz Zhang'.split(' '),
];

export const MIDDLE_NAMES = ['J.', 'Q.', 'Marie', 'Lee', 'R.'] as const;

export const EMAIL_DOMAINS = ['example.com', 'example.org', 'mail.example.net', 'corp.example.io'] as const;

const TENANT_NAMES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Wonka'] as const;

/** Tenant ids do not depend on the user seed, so every emulator run knows the same tenants. */
export const TENANTS: ReadonlyMap<string, string> = (() => {
  const prng = createPrng(0x7e4a47);
  return new Map(TENANT_NAMES.map((name) => [descopeId('T', prng), name]));
})();

const freeze = <T>(value: T): T => Object.freeze(value);

export const EMPTY_STRINGS: string[] = freeze([] as string[]);
export const EMPTY_TENANTS: DescopeUserTenant[] = freeze([] as DescopeUserTenant[]);
export const EMPTY_OAUTH: Record<string, boolean> = freeze({});

export const ROLE_SETS: string[][] = [
  ['Viewer'],
  ['Viewer'],
  ['Editor'],
  ['Viewer', 'Editor'],
  ['Admin'],
  ['Billing'],
].map(freeze);

const tenantEntry = (tenantId: string, roleNames: string[]): DescopeUserTenant =>
  freeze({
    tenantId,
    tenantName: TENANTS.get(tenantId) ?? '',
    roleNames: freeze(roleNames),
    permissions: EMPTY_STRINGS,
  });

export const TENANT_SETS: DescopeUserTenant[][] = (() => {
  const ids = [...TENANTS.keys()];
  const sets: DescopeUserTenant[][] = [];
  ids.forEach((id, i) => {
    sets.push([tenantEntry(id, ['Member'])], [tenantEntry(id, ['Tenant Admin'])]);
    const other = ids[(i + 1) % ids.length];
    if (other) sets.push([tenantEntry(id, ['Member']), tenantEntry(other, ['Member', 'Billing'])]);
  });
  return sets.map(freeze);
})();

const attributeSets: Record<string, CustomAttributeValue>[] = [
  {},
  { plan: 'free' },
  { plan: 'pro' },
  { plan: 'pro', seats: 5 },
  { plan: 'enterprise', seats: 250, region: 'eu' },
  { plan: 'free', beta: true },
  { plan: 'pro', region: 'us', tags: ['early-adopter'] },
  { department: 'Sales' },
  { department: 'Engineering', beta: false },
];
export const CUSTOM_ATTRIBUTE_SETS = attributeSets.map(freeze);

const oauthSets: Record<string, boolean>[] = [{ google: true }, { github: true }, { microsoft: true }];
export const OAUTH_SETS = oauthSets.map(freeze);

export const SSO_APP_SETS: string[][] = [['SA2descopeDefaultOidcApp'], ['SA2descopeDefaultSamlApp']].map(freeze);

/** Cumulative weights: most users are enabled, a few disabled, invited or expired. */
export const STATUS_WEIGHTS: readonly (readonly [UserStatus, number])[] = [
  ['enabled', 0.86],
  ['disabled', 0.93],
  ['invited', 0.98],
  ['expired', 1],
];
