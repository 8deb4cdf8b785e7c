import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator';
import { connect, Emulators, ManualClock, rawCall, USER_FIELDS, type Sdk } from './fixtures';

const emulators = new Emulators();
let clock: ManualClock;
let emulator: RunningEmulator;
let client: Sdk;

beforeEach(async () => {
  clock = new ManualClock();
  emulator = await emulators.start({ seed: 11, userCount: 60, testUserCount: 3, now: clock.now });
  client = await connect(emulator);
});
afterEach(() => emulators.closeAll());

const nowSec = () => Math.floor(clock.ms / 1000);
const searchIds = async (request: Parameters<Sdk['management']['user']['search']>[0]) =>
  ((await client.management.user.search(request)).data?.users ?? []).map((user) => user.userId);

describe('loading users', () => {
  it('loads a user by id with every documented field', async () => {
    const [user] = emulator.users.all();
    const response = await client.management.user.loadByUserId(user!.userId);
    expect(response.ok).toBe(true);
    expect(response.data).toEqual(user);
    expect(Object.keys(response.data!).sort()).toEqual(USER_FIELDS);
  });

  it('answers an unknown user id with E062108 and a 404', async () => {
    const response = await client.management.user.loadByUserId('U2nobodyHasThisIdAtAll000000');
    expect(response.ok).toBe(false);
    expect(response.code).toBe(404);
    expect(response.error?.errorCode).toBe('E062108');
  });

  it('loads by login id, and by user id through the same call', async () => {
    const user = emulator.users.all()[5]!;
    expect((await client.management.user.load(user.loginIds[0]!)).data?.userId).toBe(user.userId);
    expect((await client.management.user.load(user.userId)).data?.userId).toBe(user.userId);
  });

  it('loads several users at once, leaving out unknown ids', async () => {
    const [a, b] = emulator.users.all();
    const response = await client.management.user.loadUsers([a!.userId, 'U2unknown', b!.userId]);
    expect(response.data?.map((user) => user.userId)).toEqual([a!.userId, b!.userId]);
  });

  it('can answer a missing user with 400 for products that expect it', async () => {
    const strict = await emulators.start({ userNotFoundStatus: 400 });
    const response = await rawCall(strict, '/v1/mgmt/user?userId=U2missing');
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ errorCode: 'E062108' });
  });
});

describe('writing users', () => {
  it('creates a user stamped with the current second that search then finds', async () => {
    const response = await client.management.user.create('ada@example.com', {
      email: 'ada@example.com',
      displayName: 'Ada Lovelace',
      roles: ['Admin'],
      userTenants: [{ tenantId: 'T2custom', roleNames: ['Member'] }],
      customAttributes: { plan: 'pro' },
    });
    expect(response.ok).toBe(true);
    const user = response.data!;
    expect(user).toMatchObject({
      loginIds: ['ada@example.com'],
      name: 'Ada Lovelace',
      roleNames: ['Admin'],
      userTenants: [{ tenantId: 'T2custom', roleNames: ['Member'] }],
      createdTime: nowSec(),
      modifiedTime: nowSec(),
      status: 'enabled',
      test: false,
    });
    expect(await searchIds({ fromCreatedTime: nowSec() * 1000 - 1 })).toEqual([user.userId]);
  });

  it('refuses a second user with a taken login id', async () => {
    const taken = emulator.users.all()[0]!.loginIds[0]!;
    const response = await client.management.user.create(taken, { email: 'other@example.com' });
    expect(response.ok).toBe(false);
    expect(response.error?.errorCode).toBe('E062107');
  });

  it('creates test users that default searches do not show', async () => {
    const response = await client.management.user.createTestUser('tester@example.com', { email: 'tester@example.com' });
    expect(response.data?.test).toBe(true);
    expect(await searchIds({ emails: ['tester@example.com'] })).toEqual([]);
    expect(await searchIds({ emails: ['tester@example.com'], withTestUser: true })).toEqual([response.data!.userId]);
  });

  it('creates a batch, reporting the failures without stopping', async () => {
    const taken = emulator.users.all()[0]!.loginIds[0]!;
    const response = await client.management.user.createBatch([
      { loginId: 'batch1@example.com', email: 'batch1@example.com' },
      { loginId: taken },
      { loginIdOrUserId: 'batch2@example.com', roles: ['Viewer'], createdTime: 1_600_000_000 },
    ]);
    expect(response.data?.createdUsers.map((user) => user.loginIds[0])).toEqual([
      'batch1@example.com',
      'batch2@example.com',
    ]);
    expect(response.data?.createdUsers[1]).toMatchObject({ roleNames: ['Viewer'], createdTime: 1_600_000_000 });
    expect(response.data?.failedUsers).toHaveLength(1);
  });

  it('update overrides every detail and bumps modifiedTime', async () => {
    const before = emulator.users.all().find((user) => user.familyName !== '' && user.roleNames.length > 0)!;
    clock.advance(5_000);
    const response = await client.management.user.update(before.userId, { displayName: 'Only A Name' });
    expect(response.data).toMatchObject({
      userId: before.userId,
      loginIds: [before.loginIds[0]],
      name: 'Only A Name',
      familyName: '',
      roleNames: [],
      createdTime: before.createdTime,
      modifiedTime: nowSec(),
    });
    expect(await searchIds({ fromModifiedTime: nowSec() * 1000 - 1 })).toEqual([before.userId]);
  });

  it('patch changes only the given fields and bumps modifiedTime', async () => {
    const before = emulator.users.all()[3]!;
    clock.advance(61_000);
    const response = await client.management.user.patch(before.loginIds[0]!, {
      givenName: 'Patched',
      status: 'disabled',
    });
    expect(response.data).toEqual({ ...before, givenName: 'Patched', status: 'disabled', modifiedTime: nowSec() });
  });

  it('patches a batch of users, failing the unknown ones', async () => {
    const [a, b] = emulator.users.all();
    clock.advance(1_000);
    const response = await client.management.user.patchBatch([
      { loginIdOrUserId: a!.userId, customAttributes: { plan: 'enterprise' } },
      { loginIdOrUserId: b!.loginIds[0]!, verifiedEmail: false },
      { loginIdOrUserId: 'nobody@example.com', givenName: 'X' },
    ]);
    expect(response.data?.patchedUsers.map((user) => user.userId)).toEqual([a!.userId, b!.userId]);
    expect(response.data?.failedUsers).toHaveLength(1);
    expect(emulator.users.get(a!.userId)).toMatchObject({
      customAttributes: { plan: 'enterprise' },
      modifiedTime: nowSec(),
    });
  });

  it('applies the single-purpose updates the SDK offers', async () => {
    const user = emulator.users.all().find((candidate) => candidate.status === 'enabled')!;
    const loginId = user.loginIds[0]!;
    const steps = [
      () => client.management.user.deactivate(loginId),
      () => client.management.user.updateEmail(loginId, 'moved@example.com', true),
      () => client.management.user.addRoles(loginId, ['Auditor']),
      () => client.management.user.addTenantRoles(loginId, 'T2new', ['Member']),
      () => client.management.user.updateCustomAttribute(loginId, 'seats', 9),
      () => client.management.user.updateDisplayName(loginId, 'New Name'),
    ];
    for (const step of steps) {
      clock.advance(1_000);
      expect((await step()).ok).toBe(true);
    }
    expect(emulator.users.get(user.userId)).toMatchObject({
      status: 'disabled',
      email: 'moved@example.com',
      verifiedEmail: true,
      roleNames: [...user.roleNames, 'Auditor'],
      userTenants: expect.arrayContaining([expect.objectContaining({ tenantId: 'T2new', roleNames: ['Member'] })]),
      customAttributes: { ...user.customAttributes, seats: 9 },
      name: 'New Name',
      modifiedTime: nowSec(),
    });
  });

  it('deletes by login id and by user id, and deleting again still succeeds', async () => {
    const [a, b] = emulator.users.all();
    expect((await client.management.user.delete(a!.loginIds[0]!)).ok).toBe(true);
    expect((await client.management.user.deleteByUserId(b!.userId)).ok).toBe(true);
    expect((await client.management.user.deleteByUserId(b!.userId)).ok).toBe(true);
    expect(emulator.users.get(a!.userId)).toBeUndefined();
    expect(await searchIds({ userIds: [a!.userId, b!.userId] })).toEqual([]);
    expect((await client.management.user.search({ limit: 1 })).data?.total).toBe(58);
  });

  it('deletes a batch of users, and all test users', async () => {
    const ids = emulator.users
      .all()
      .filter((user) => !user.test)
      .slice(0, 40)
      .map((user) => user.userId);
    expect((await client.management.user.deleteBatch(ids)).ok).toBe(true);
    expect((await client.management.user.deleteAllTestUsers()).ok).toBe(true);
    expect(emulator.users.count()).toBe(20);
    expect(emulator.users.all().some((user) => user.test)).toBe(false);
  });
});
