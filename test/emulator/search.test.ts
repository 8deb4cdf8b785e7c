import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DescopeUser, RunningEmulator } from '../../src/emulator';
import { connect, Emulators, rawCall, USER_FIELDS, type Sdk } from './fixtures';

type SearchRequest = Parameters<Sdk['management']['user']['search']>[0];

const emulators = new Emulators();
afterEach(() => emulators.closeAll());

let emulator: RunningEmulator;
let client: Sdk;
let visible: DescopeUser[];

/** The default order: (createdTime, userId). */
const byCreated = (a: DescopeUser, b: DescopeUser) =>
  a.createdTime - b.createdTime || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
const ids = (users: { userId: string }[] | undefined) => (users ?? []).map((user) => user.userId);

async function search(request: SearchRequest) {
  const response = await client.management.user.search(request);
  if (!response.ok || !response.data) throw new Error(`search failed: ${JSON.stringify(response.error)}`);
  return response.data;
}

describe('user search', () => {
  beforeAll(async () => {
    // One emulator for the read-only tests in this block: seeded users never change here.
    const shared = new Emulators();
    emulator = await shared.start({ seed: 7, userCount: 730, testUserCount: 12 });
    client = await connect(emulator);
    visible = emulator.users.all().filter((user) => !user.test);
    return () => shared.closeAll();
  });

  it('returns users in the documented shape with every field present', async () => {
    const { users } = await search({ limit: 5 });
    for (const user of users) expect(Object.keys(user).sort()).toEqual(USER_FIELDS);
  });

  it('pages through every non-test user exactly once, in (createdTime, userId) order', async () => {
    const seen: string[] = [];
    for (let page = 0; ; page++) {
      const { users, total } = await search({ page, limit: 100 });
      expect(total).toBe(visible.length);
      if (users.length === 0) break;
      seen.push(...ids(users));
    }
    expect(seen).toEqual(ids([...visible].sort(byCreated)));
  });

  it('answers a page past the end with no users and the full total', async () => {
    const { users, total } = await search({ page: 50, limit: 100 });
    expect(users).toEqual([]);
    expect(total).toBe(visible.length);
  });

  it('clamps an oversized limit to 100 silently and treats limit 0 as the default 100', async () => {
    expect((await search({ limit: 10_000 })).users).toHaveLength(100);
    expect((await search({ limit: 0 })).users).toHaveLength(100);
    expect((await search({ limit: 7 })).users).toHaveLength(7);
  });

  it('lets offset win over page * limit when it is positive', async () => {
    const all = ids([...visible].sort(byCreated));
    const request = { limit: 10, page: 3, offset: 5 };
    expect(ids((await search(request)).users)).toEqual(all.slice(5, 15));
    const zeroOffset = { limit: 10, page: 3, offset: 0 };
    expect(ids((await search(zeroOffset)).users)).toEqual(all.slice(30, 40));
  });

  it('sorts by the requested field in either direction, breaking ties by userId', async () => {
    const byEmail = [...visible].sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
    expect(ids((await search({ limit: 100, sort: [{ field: 'email' }] })).users)).toEqual(ids(byEmail.slice(0, 100)));
    const newest = [...visible].sort(byCreated).reverse();
    const desc = await search({ limit: 100, sort: [{ field: 'createdTime', desc: true }] });
    expect(ids(desc.users)).toEqual(ids(newest.slice(0, 100)));
    const byStatus = await search({ limit: 100, page: 2, sort: [{ field: 'status' }] });
    expect(ids(byStatus.users)).toEqual(
      ids((await search({ limit: 100, page: 2, sort: [{ field: 'status' }] })).users),
    );
  });

  it('sorts by time then user id, in either direction, and by time then user id the other way', async () => {
    const oldest = [...visible].sort(byCreated);
    const byKey = (desc: boolean) => [
      { field: 'createdTime', desc },
      { field: 'id', desc },
    ];
    expect(ids((await search({ limit: 100, page: 3, sort: byKey(false) })).users)).toEqual(ids(oldest.slice(300, 400)));
    const newest = [...oldest].reverse();
    expect(ids((await search({ limit: 100, page: 1, sort: byKey(true) })).users)).toEqual(ids(newest.slice(100, 200)));
    const mixed = [...visible].sort((a, b) => a.createdTime - b.createdTime || (a.userId < b.userId ? 1 : -1));
    const sort = [
      { field: 'createdTime', desc: false },
      { field: 'id', desc: true },
    ];
    expect(ids((await search({ limit: 100, sort })).users)).toEqual(ids(mixed.slice(0, 100)));
  });

  it('orders a bulk import that shares one createdTime second by userId', async () => {
    const seconds = new Map<number, number>();
    for (const user of visible) seconds.set(user.createdTime, (seconds.get(user.createdTime) ?? 0) + 1);
    const [second] = [...seconds].find(([, count]) => count >= 50) ?? [];
    expect(second).toBeDefined();
    const { users } = await search({ limit: 100, fromCreatedTime: second! * 1000 - 1, toCreatedTime: second! * 1000 });
    expect(users.length).toBeGreaterThanOrEqual(50);
    expect(ids(users)).toEqual([...ids(users)].sort());
  });

  it('rejects an unknown sort field with E011002', async () => {
    const response = await client.management.user.search({ sort: [{ field: 'favouriteColour' }] });
    expect(response.ok).toBe(false);
    expect(response.error?.errorCode).toBe('E011002');
  });

  it('hides test users unless withTestUser or testUsersOnly asks for them', async () => {
    const tests = emulator.users.all().filter((user) => user.test);
    expect(tests).toHaveLength(12);
    expect((await search({ limit: 1 })).total).toBe(visible.length);
    expect((await search({ limit: 1, withTestUser: true })).total).toBe(visible.length + 12);
    const only = await search({ limit: 100, testUsersOnly: true, withTestUser: true });
    expect(ids(only.users).sort()).toEqual(ids(tests).sort());
    const viaTestEndpoint = await client.management.user.searchTestUsers({ limit: 100 });
    expect(ids(viaTestEndpoint.data?.users).sort()).toEqual(ids(tests).sort());
  });

  it.each<[string, SearchRequest, (user: DescopeUser) => boolean]>([
    ['statuses', { statuses: ['disabled', 'invited'] }, (u) => u.status === 'disabled' || u.status === 'invited'],
    ['roles (sent as roleNames)', { roles: ['Admin'] }, (u) => u.roleNames.includes('Admin')],
    ['verifiedPhone', { verifiedPhone: true }, (u) => u.verifiedPhone],
    ['verifiedEmail', { verifiedEmail: false }, (u) => !u.verifiedEmail],
    ['customAttributes', { customAttributes: { plan: 'pro' } }, (u) => u.customAttributes.plan === 'pro'],
    [
      'customAttributes inside an array',
      { customAttributes: { tags: 'early-adopter' } },
      (u) => u.customAttributes.tags !== undefined,
    ],
    ['text', { text: 'ROSSI' }, (u) => u.familyName === 'Rossi' || u.email.includes('rossi')],
    ['ssoAppIds', { ssoAppIds: ['SA2descopeDefaultSamlApp'] }, (u) => u.ssoAppIds.includes('SA2descopeDefaultSamlApp')],
  ])('filters by %s', async (_name, filter, predicate) => {
    const expected = visible.filter(predicate);
    expect(expected.length).toBeGreaterThan(0);
    const { users, total } = await search({ ...filter, limit: 100 });
    expect(total).toBe(expected.length);
    expect(ids(users)).toEqual(ids(expected.sort(byCreated).slice(0, 100)));
  });

  it('filters by tenant, and by role within a tenant', async () => {
    const tenantId = visible.find((user) => user.userTenants.length > 0)!.userTenants[0]!.tenantId;
    const inTenant = visible.filter((user) => user.userTenants.some((tenant) => tenant.tenantId === tenantId));
    expect((await search({ tenantIds: [tenantId], limit: 1 })).total).toBe(inTenant.length);
    const admins = inTenant.filter((user) =>
      user.userTenants.some((tenant) => tenant.tenantId === tenantId && tenant.roleNames.includes('Tenant Admin')),
    );
    const byRole = await search({ tenantRoleNames: { [tenantId]: { values: ['Tenant Admin'] } }, limit: 100 });
    expect(ids(byRole.users).sort()).toEqual(ids(admins).sort());
  });

  it('filters by exact emails, phones, login ids and user ids', async () => {
    const [a, b, c] = visible.filter((user) => user.phone !== '').slice(10);
    expect(ids((await search({ emails: [a!.email.toUpperCase()] })).users)).toEqual([a!.userId]);
    expect(ids((await search({ phones: [b!.phone] })).users)).toEqual([b!.userId]);
    expect(ids((await search({ loginIds: [c!.loginIds[0]!] })).users)).toEqual([c!.userId]);
    const wanted = [c!.userId, a!.userId, 'U2doesNotExist'];
    expect(ids((await search({ userIds: wanted })).users).sort()).toEqual([a!.userId, c!.userId].sort());
  });

  it('treats 0, null and [] as no filter, as the SDKs send them', async () => {
    const body = { fromCreatedTime: 0, toModifiedTime: null, statuses: [], tenantIds: null, text: '', limit: 1 };
    const response = await rawCall(emulator, '/v2/mgmt/user/search', body);
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({ total: visible.length });
  });

  it('answers the older /v1 path like /v2', async () => {
    const v1 = await rawCall(emulator, '/v1/mgmt/user/search', { limit: 3 });
    const v2 = await rawCall(emulator, '/v2/mgmt/user/search', { limit: 3 });
    expect(v1.json()).toEqual(v2.json());
  });
});

describe('user search against a project that changes', () => {
  it('shifts rows between pages when users are created while paging, as offset paging does', async () => {
    const changing = await emulators.start({ seed: 3, userCount: 40, seedEndSec: 1_700_000_000 });
    const sdk = await connect(changing);
    const first = await sdk.management.user.search({
      limit: 20,
      page: 0,
      sort: [{ field: 'createdTime', desc: true }],
    });
    changing.users.create({ email: 'late@example.com' });
    const second = await sdk.management.user.search({
      limit: 20,
      page: 1,
      sort: [{ field: 'createdTime', desc: true }],
    });
    expect(second.data?.total).toBe(41);
    // The last user of page 0 slid onto page 1: the client sees it twice.
    expect(second.data?.users[0]?.userId).toBe(first.data?.users[19]?.userId);
  });
});
