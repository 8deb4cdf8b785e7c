import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator';
import { connect, Emulators, ManualClock, rawCall, type Sdk } from './fixtures';

const emulators = new Emulators();
let clock: ManualClock;
let emulator: RunningEmulator;
let client: Sdk;

beforeEach(async () => {
  clock = new ManualClock();
  emulator = await emulators.start({ userCount: 20, now: clock.now });
  client = await connect(emulator);
});
afterEach(() => emulators.closeAll());

describe('audit events of user changes', () => {
  it('records create, modify and delete with ids, actor, ms time and the changed fields', async () => {
    const created = (await client.management.user.create('grace@example.com', { email: 'grace@example.com' })).data!;
    clock.advance(1_000);
    await client.management.user.patch('grace@example.com', { displayName: 'Grace Hopper', roles: ['Admin'] });
    clock.advance(1_000);
    await client.management.user.deleteByUserId(created.userId);
    const events = emulator.audit.events();
    expect(events.map((event) => event.action)).toEqual(['UserCreated', 'UserModified', 'UserDeleted']);
    expect(events[1]).toMatchObject({
      type: 'info',
      projectId: emulator.projectId,
      userId: created.userId,
      actorId: expect.stringMatching(/^K2/),
      occurred: clock.ms - 1_000,
      loginIds: ['grace@example.com'],
      data: { Change: { name: 'Grace Hopper', roleNames: ['Admin'] } },
    });
  });

  it('records one event per batch call, naming its users', async () => {
    const batch = await client.management.user.createBatch([
      { loginId: 'b1@example.com' },
      { loginId: 'b2@example.com' },
    ]);
    const ids = batch.data!.createdUsers.map((user) => user.userId);
    await client.management.user.patchBatch(ids.map((id) => ({ loginIdOrUserId: id, givenName: 'B' })));
    await client.management.user.deleteBatch(ids);
    const events = emulator.audit.events();
    expect(events.map((event) => [event.action, event.data])).toEqual([
      ['UsersCreated', { userIds: ids }],
      ['UsersModified', { userIds: ids }],
      ['UsersDeleted', { userIds: ids }],
    ]);
  });

  it('records programmatic changes like API ones', () => {
    const user = emulator.users.create({ email: 'direct@example.com' });
    emulator.users.update(user.userId, { status: 'disabled' });
    emulator.users.delete(user.userId);
    expect(emulator.audit.events().map((event) => event.action)).toEqual([
      'UserCreated',
      'UserModified',
      'UserDeleted',
    ]);
    expect(emulator.audit.events()[1]?.data).toEqual({ Change: { status: 'disabled' } });
  });
});

describe('audit search', () => {
  it('finds events newest first, filtered by action and user, with login ids restored by the SDK', async () => {
    const a = emulator.users.create({ email: 'a@example.com' });
    clock.advance(10);
    const b = emulator.users.create({ email: 'b@example.com' });
    clock.advance(10);
    emulator.users.update(a.userId, { name: 'A' });
    const response = await client.management.audit.search({ userIds: [a.userId] });
    expect(response.data?.map((record) => [record.action, record.occurred, record.loginIds])).toEqual([
      ['UserModified', clock.ms, ['a@example.com']],
      ['UserCreated', clock.ms - 20, ['a@example.com']],
    ]);
    const created = await client.management.audit.search({ actions: ['UserCreated'] });
    expect(created.data?.map((record) => record.userId)).toEqual([b.userId, a.userId]);
  });

  it('sends occurred as a numeric string and externalIds on the wire, with a total', async () => {
    emulator.users.create({ email: 'wire@example.com' });
    const response = await rawCall(emulator, '/v1/mgmt/audit/search', { actions: ['UserCreated'] });
    const body = response.json() as { audits: Record<string, unknown>[]; total: number };
    expect(body.total).toBe(1);
    expect(body.audits[0]).toMatchObject({ occurred: String(clock.ms), externalIds: ['wire@example.com'] });
    expect(body.audits[0]?.ID).toEqual(expect.any(String));
  });

  it('finds a batch event by any of the users it names', async () => {
    const [first, second] = emulator.users.createMany([{ email: 'm1@example.com' }, { email: 'm2@example.com' }]);
    const response = await client.management.audit.search({ userIds: [second!.userId] });
    expect(response.data?.map((record) => record.action)).toEqual(['UsersCreated']);
    expect(response.data?.[0]?.data).toEqual({ userIds: [first!.userId, second!.userId] });
  });

  it('limits by time window, clamps size to 1000 and pages', async () => {
    const user = emulator.users.create({ email: 'busy@example.com' });
    const from = clock.ms;
    for (let i = 0; i < 1_100; i++) {
      clock.advance(1);
      emulator.users.update(user.userId, { givenName: `v${i}` });
    }
    const page = (body: object) => rawCall(emulator, '/v1/mgmt/audit/search', body).then((r) => r.json());
    expect(await page({ from: from + 1, to: from + 10, size: 5000 })).toMatchObject({ total: 10 });
    const big = (await page({ from: from + 1, size: 5000 })) as { audits: unknown[]; total: number };
    expect(big.audits).toHaveLength(1000);
    expect(big.total).toBe(1_100);
    const second = (await page({ from: from + 1, size: 1000, page: 1 })) as { audits: { occurred: string }[] };
    expect(second.audits).toHaveLength(100);
    expect(second.audits[99]?.occurred).toBe(String(from + 1));
  });

  it('does not reach back more than 30 days', async () => {
    emulator.users.create({ email: 'old@example.com' });
    clock.advance(31 * 24 * 3600 * 1000);
    const response = await client.management.audit.search({ from: 0 });
    expect(response.data).toEqual([]);
  });
});
