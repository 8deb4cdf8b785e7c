import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DescopeUser, RunningEmulator } from '../../src/emulator';
import { connect, Emulators, ManualClock, rawCall, type Sdk } from './fixtures';

const emulators = new Emulators();
const clock = new ManualClock();
let emulator: RunningEmulator;
let client: Sdk;
let target: DescopeUser;

/**
 * Asked twice: by email, which scans a binary-searched slice of a time index, and by user id, which checks the
 * filter user by user. Both must agree.
 */
const found = async (filter: Record<string, number | string>): Promise<boolean> => {
  const results = await Promise.all(
    [{ emails: [target.email] }, { userIds: [target.userId] }].map(async (lookup) => {
      const response = await client.management.user.search({ ...lookup, ...filter });
      return (response.data?.users ?? []).some((user) => user.userId === target.userId);
    }),
  );
  expect(results[0]).toBe(results[1]);
  return results[0]!;
};

beforeAll(async () => {
  emulator = await emulators.start({ userCount: 50, now: clock.now });
  client = await connect(emulator);
  // Created at second S, modified later at second M: the filters must tell the two apart.
  target = emulator.users.create({ email: 'boundary@example.com' });
  clock.advance(90_500);
  target = emulator.users.update(target.userId, { name: 'Moved On' })!;
  expect(target.modifiedTime).toBe(target.createdTime + 90);
});
afterAll(() => emulators.closeAll());

describe.each([
  ['Created', () => target.createdTime],
  ['Modified', () => target.modifiedTime],
] as const)('%s time filters (ms filters, second-resolution users)', (field, seconds) => {
  const from = `from${field}Time`;
  const to = `to${field}Time`;

  it(`excludes a user at second S from ${'`from = S*1000`'} and includes it from S*1000 - 1`, async () => {
    expect(await found({ [from]: seconds() * 1000 })).toBe(false);
    expect(await found({ [from]: seconds() * 1000 - 1 })).toBe(true);
  });

  it(`includes a user at second S up to ${'`to = S*1000`'} and excludes it up to S*1000 - 1`, async () => {
    expect(await found({ [to]: seconds() * 1000 })).toBe(true);
    expect(await found({ [to]: seconds() * 1000 - 1 })).toBe(false);
  });

  it('matches a window (S*1000 - 1, S*1000] and nothing narrower', async () => {
    expect(await found({ [from]: seconds() * 1000 - 1, [to]: seconds() * 1000 })).toBe(true);
    expect(await found({ [from]: seconds() * 1000, [to]: seconds() * 1000 + 999 })).toBe(false);
  });

  it('accepts the times as numeric strings, as the API spec types them', async () => {
    const body = { userIds: [target.userId], [from]: String(seconds() * 1000 - 1), [to]: String(seconds() * 1000) };
    const response = await rawCall(emulator, '/v2/mgmt/user/search', body);
    expect(response.json()).toMatchObject({ total: 1 });
  });
});

describe('time filters combined', () => {
  it('applies created and modified ranges together', async () => {
    const both = { fromCreatedTime: target.createdTime * 1000 - 1, fromModifiedTime: target.modifiedTime * 1000 - 1 };
    expect(await found(both)).toBe(true);
    expect(await found({ ...both, toModifiedTime: target.createdTime * 1000 })).toBe(false);
  });

  it('finds exactly the users modified in a window, whichever index serves it', async () => {
    const all = emulator.users.all();
    const pivot = all[25]!.modifiedTime * 1000;
    const expected = all.filter(
      (user) => user.modifiedTime * 1000 > pivot - 86_400_000 * 90 && user.modifiedTime * 1000 <= pivot,
    );
    const response = await client.management.user.search({
      fromModifiedTime: pivot - 86_400_000 * 90,
      toModifiedTime: pivot,
      limit: 100,
    });
    expect(response.data?.users.map((user) => user.userId).sort()).toEqual(expected.map((user) => user.userId).sort());
  });

  it('rejects a time that is not a number', async () => {
    const response = await rawCall(emulator, '/v2/mgmt/user/search', { fromCreatedTime: 'yesterday' });
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ errorCode: 'E011002' });
  });
});
