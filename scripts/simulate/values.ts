import type { CustomAttributeValue, DescopeUser, DescopeUserTenant } from '../../src/emulator';
import type { Prng } from '../../src/emulator/prng';

/**
 * Unusual but valid values: Descope stores them, so the copy must hold them exactly. Keys MongoDB reserves
 * (`$…`, dotted) and names that shadow Object.prototype are the ones an escaping or merging bug trips on.
 */
const STRINGS = [
  '',
  'Zoë Ångström',
  '山田太郎',
  'Ωμέγα',
  'مرحبا',
  '🙂🚀 emoji',
  `O'Brien "quoted"`,
  ' padded ',
  'line\nbreak\ttab',
  '$dollar',
  'a.b.c',
  'null',
  '0',
  'constructor',
  'x'.repeat(300),
];
const ATTRIBUTE_KEYS = [
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '$set',
  '$where',
  'a.b',
  'dotted.key.deep',
  'dept',
  'ключ',
  '🙂',
  'with space',
];
const NUMBERS = [0, -1, 1.5, 42, 2 ** 53 - 1, -0.000001];
const TENANTS: DescopeUserTenant[] = [
  { tenantId: 'T-acme', tenantName: 'Acme', roleNames: ['admin'], permissions: [] },
  { tenantId: 'T.dotted', tenantName: '名前', roleNames: [], permissions: ['read', ''] },
];

export function attributeValue(prng: Prng): CustomAttributeValue {
  switch (prng.int(0, 5)) {
    case 0:
      return prng.pick(STRINGS);
    case 1:
      return prng.pick(NUMBERS);
    case 2:
      return prng.chance(0.5);
    case 3:
      return null;
    case 4:
      return [];
    default:
      return [prng.pick(STRINGS), prng.pick(STRINGS)];
  }
}

export function customAttributes(prng: Prng): Record<string, CustomAttributeValue> {
  const out: Record<string, CustomAttributeValue> = {};
  for (let i = prng.int(0, 3); i > 0; i--) {
    Object.defineProperty(out, prng.pick(ATTRIBUTE_KEYS), {
      value: attributeValue(prng),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** A patch of one to three fields, any of which may take an unusual value. */
export function userPatch(prng: Prng): Partial<DescopeUser> {
  const patch: Partial<DescopeUser> = {};
  for (let i = prng.int(1, 3); i > 0; i--) {
    switch (prng.int(0, 9)) {
      case 0:
        patch.name = prng.pick(STRINGS);
        break;
      case 1:
        patch.givenName = prng.pick(STRINGS);
        patch.familyName = prng.pick(STRINGS);
        break;
      case 2:
        patch.phone = prng.chance(0.5) ? '' : `+1555${prng.int(1_000_000, 9_999_999)}`;
        break;
      case 3:
        patch.customAttributes = customAttributes(prng);
        break;
      case 4:
        patch.roleNames = prng.chance(0.3) ? [] : [prng.pick(STRINGS), 'viewer'];
        break;
      case 5:
        patch.verifiedEmail = prng.chance(0.5);
        break;
      case 6:
        patch.userTenants = prng.chance(0.3) ? [] : [prng.pick(TENANTS)];
        break;
      case 7:
        patch.picture = prng.chance(0.5) ? '' : `https://example.com/${prng.int(1, 999)}.png`;
        break;
      case 8:
        patch.middleName = prng.pick(STRINGS);
        break;
      default:
        patch.status = prng.pick(['enabled', 'disabled'] as const);
    }
  }
  return patch;
}

/** A new user: a unique login id, maybe a unicode name and odd custom attributes. */
export function newUser(prng: Prng, serial: number, test = false): Partial<DescopeUser> {
  const login = `sim${serial}-${prng.int(0, 1e9).toString(36)}@example.com`;
  return {
    loginIds: [login],
    email: login,
    name: prng.pick(STRINGS),
    customAttributes: customAttributes(prng),
    ...(prng.chance(0.2) ? { phone: `+1555${prng.int(1_000_000, 9_999_999)}` } : {}),
    ...(test ? { test: true } : {}),
  };
}
