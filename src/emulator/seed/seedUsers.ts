import { descopeId } from '../ids';
import { createPrng, type Prng } from '../prng';
import type { DescopeUser, UserStatus } from '../types';
import { compareByCreated } from '../store/order';
import { mergeSorted, sortTies } from '../store/sortUsers';
import {
  CUSTOM_ATTRIBUTE_SETS,
  EMAIL_DOMAINS,
  EMPTY_OAUTH,
  EMPTY_STRINGS,
  EMPTY_TENANTS,
  FAMILY_NAMES,
  GIVEN_NAMES,
  MIDDLE_NAMES,
  OAUTH_SETS,
  ROLE_SETS,
  SSO_APP_SETS,
  STATUS_WEIGHTS,
  TENANT_SETS,
} from './pools';
import { bulkUpdateSeconds, creationTimes, modificationTime } from './timeline';

export interface SeedOptions {
  seed: number;
  count: number;
  testCount?: number;
  /** Latest creation or modification second; seeded users all lie in the `spanSec` before it. */
  endSec: number;
  /** Default three years. */
  spanSec?: number;
  /** Numbers login ids and phones from here, so a second seeding into the same project does not collide. */
  startIndex?: number;
}

const THREE_YEARS_SEC = 3 * 365 * 24 * 3600;

/** Deterministic users sorted by (createdTime, userId): the same options always produce the same users. */
export function seedUsers(options: SeedOptions): DescopeUser[] {
  const prng = createPrng(options.seed);
  const span = options.spanSec ?? THREE_YEARS_SEC;
  const start = options.startIndex ?? 0;
  const regular = stream(prng, options.count, false, start, options.endSec, span);
  const test = stream(prng, options.testCount ?? 0, true, start + options.count, options.endSec, span);
  return mergeSorted(regular, test, compareByCreated);
}

function stream(prng: Prng, count: number, test: boolean, start: number, endSec: number, span: number): DescopeUser[] {
  const created = creationTimes(prng, count, endSec, span);
  const bulk = bulkUpdateSeconds(prng, count, endSec, span);
  const users = new Array<DescopeUser>(count);
  for (let i = 0; i < count; i++) {
    const createdTime = created[i] ?? endSec;
    users[i] = seedUser(prng, start + i, test, createdTime, modificationTime(prng, createdTime, endSec, bulk));
  }
  // Creation times ascend already; only the users of a bulk import need ordering among themselves.
  sortTies(users, (user) => user.createdTime);
  return users;
}

function seedUser(prng: Prng, n: number, test: boolean, createdTime: number, modifiedTime: number): DescopeUser {
  const userId = descopeId('U', prng);
  const givenName = prng.pick(GIVEN_NAMES);
  const familyName = prng.pick(FAMILY_NAMES);
  const middleName = prng.chance(0.1) ? prng.pick(MIDDLE_NAMES) : '';
  const email = test
    ? `test.user.${n}@test.example.com`
    : `${givenName}.${familyName}.${n}@${prng.pick(EMAIL_DOMAINS)}`.toLowerCase();
  const phone = prng.chance(0.6) ? `+1555${String(n).padStart(7, '0')}` : '';
  const loginIds = pickLoginIds(prng, email, phone, `${givenName}${n}`.toLowerCase());
  return {
    userId,
    loginIds,
    externalIds: loginIds,
    email,
    phone,
    name: middleName ? `${givenName} ${middleName} ${familyName}` : `${givenName} ${familyName}`,
    givenName,
    middleName,
    familyName,
    picture: prng.chance(0.3) ? `https://avatars.example.com/${userId}.png` : '',
    verifiedEmail: prng.chance(0.9),
    verifiedPhone: phone !== '' && prng.chance(0.5),
    roleNames: prng.chance(0.8) ? prng.pick(ROLE_SETS) : EMPTY_STRINGS,
    userTenants: prng.chance(0.4) ? prng.pick(TENANT_SETS) : EMPTY_TENANTS,
    permissions: EMPTY_STRINGS,
    status: pickStatus(prng),
    test,
    editable: true,
    customAttributes: prng.pick(CUSTOM_ATTRIBUTE_SETS),
    createdTime,
    modifiedTime,
    TOTP: prng.chance(0.1),
    SAML: prng.chance(0.05),
    SCIM: prng.chance(0.03),
    OIDC: prng.chance(0.02),
    push: false,
    OAuth: prng.chance(0.35) ? prng.pick(OAUTH_SETS) : EMPTY_OAUTH,
    webauthn: prng.chance(0.1),
    password: prng.chance(0.5),
    ssoAppIds: prng.chance(0.05) ? prng.pick(SSO_APP_SETS) : EMPTY_STRINGS,
  };
}

function pickLoginIds(prng: Prng, email: string, phone: string, username: string): string[] {
  const roll = prng.next();
  if (roll < 0.08 && phone) return [phone];
  if (roll < 0.13) return [username, email];
  return [email];
}

function pickStatus(prng: Prng): UserStatus {
  const roll = prng.next();
  for (const [status, upTo] of STATUS_WEIGHTS) if (roll < upTo) return status;
  return 'enabled';
}
