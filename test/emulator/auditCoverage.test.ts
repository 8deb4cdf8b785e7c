import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator';
import { connect, Emulators, ManualClock, rawCall, type Sdk } from './fixtures';

const emulators = new Emulators();
let clock: ManualClock;
let emulator: RunningEmulator;
let client: Sdk;

beforeEach(async () => {
  clock = new ManualClock();
  emulator = await emulators.start({ userCount: 5, now: clock.now });
  client = await connect(emulator);
});
afterEach(() => emulators.closeAll());

type Search = {
  audits: { action: string; userId: string; occurred: string; data: { userIds?: string[] } }[];
  total: number;
};
const search = async (body: object) =>
  (await rawCall(emulator, '/v1/mgmt/audit/search', body)).json() as Promise<Search>;

describe('audit search sees every user mutation the emulator performs', () => {
  it('one record per management call, single and batch, with the user it concerns', async () => {
    const login = 'cover@example.com';
    const expected: [string, string | string[]][] = [];
    const single = async (action: string, call: () => Promise<{ ok: boolean }>) => {
      clock.advance(1);
      expect((await call()).ok, action).toBe(true);
      expected.push([action, emulator.users.getByLoginId(login)?.userId ?? deletedId]);
    };
    let deletedId = '';
    await single('UserCreated', () => client.management.user.create(login, { email: login }));
    const id = emulator.users.getByLoginId(login)!.userId;
    deletedId = id;
    const user = client.management.user;
    await single('UserModified', () => user.update(login, { email: login, displayName: 'Cover' }));
    await single('UserModified', () => user.patch(login, { givenName: 'C' }));
    await single('UserModified', () => user.deactivate(login));
    await single('UserModified', () => user.activate(login));
    await single('UserModified', () => user.updateEmail(login, login, true));
    await single('UserModified', () => user.updatePhone(login, '+14155550100', false));
    await single('UserModified', () => user.updateDisplayName(login, 'Cover Two'));
    await single('UserModified', () => user.updatePicture(login, 'https://example.com/p.png'));
    await single('UserModified', () => user.updateCustomAttribute(login, 'plan', 'pro'));
    await single('UserModified', () => user.setRoles(login, ['Viewer']));
    await single('UserModified', () => user.addRoles(login, ['Admin']));
    await single('UserModified', () => user.removeRoles(login, ['Viewer']));
    await single('UserModified', () => user.addTenant(login, 'T2cover'));
    await single('UserModified', () => user.removeTenant(login, 'T2cover'));
    await single('UserModified', () => user.setSSOapps(login, ['app1']));
    await single('UserModified', () => user.addSSOapps(login, ['app2']));
    await single('UserModified', () => user.removeSSOapps(login, ['app1']));
    await single('UserDeleted', () => user.deleteByUserId(id));

    clock.advance(1);
    const test = (
      await rawCall(emulator, '/v1/mgmt/user/create/test', { loginId: 'test-cover@example.com' })
    ).json() as {
      user: { userId: string };
    };
    expected.push(['UserCreated', test.user.userId]);
    clock.advance(1);
    const batch = (await user.createBatch([{ loginId: 'b1@example.com' }, { loginId: 'b2@example.com' }])).data!;
    const ids = batch.createdUsers.map((u) => u.userId);
    expected.push(['UsersCreated', ids]);
    clock.advance(1);
    await user.patchBatch(ids.map((loginIdOrUserId) => ({ loginIdOrUserId, familyName: 'B' })));
    expected.push(['UsersModified', ids]);
    clock.advance(1);
    await user.deleteBatch(ids);
    expected.push(['UsersDeleted', ids]);
    clock.advance(1);
    await user.deleteAllTestUsers();
    expected.push(['UsersDeleted', [test.user.userId]]);

    const found = await search({ from: clock.ms - 60_000, size: 1000 });
    expect(found.total).toBe(expected.length);
    const oldestFirst = [...found.audits].reverse();
    expect(oldestFirst.map((r) => [r.action, r.action.startsWith('Users') ? r.data.userIds : r.userId])).toEqual(
      expected,
    );
  });

  it('pages newest first with `to` and `from` inclusive, and an empty page past the end', async () => {
    const [u] = emulator.users.all();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advance(10);
      emulator.users.update(u!.userId, { givenName: `g${i}` });
      times.push(clock.ms);
    }
    const window = await search({ from: times[1], to: times[3], size: 2 });
    expect(window.total).toBe(3);
    expect(window.audits.map((r) => Number(r.occurred))).toEqual([times[3], times[2]]);
    const second = await search({ from: times[1], to: times[3], size: 2, page: 1 });
    expect(second.audits.map((r) => Number(r.occurred))).toEqual([times[1]]);
    expect((await search({ from: times[1], to: times[3], size: 2, page: 2 })).audits).toEqual([]);
  });
});
