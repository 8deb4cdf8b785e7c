import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator';
import { connect, Emulators, rawCall } from './fixtures';

const emulators = new Emulators();
afterEach(() => emulators.closeAll());

const admin = async (emulator: RunningEmulator, path: string, method = 'GET', body?: unknown, token?: string) => {
  const response = await fetch(`${emulator.url}/_emulator${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { 'x-emulator-admin-token': token } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('admin API', () => {
  it('creates, reads, updates, lists and deletes users without Descope credentials', async () => {
    const emulator = await emulators.start({ userCount: 3 });
    const created = await admin(emulator, '/users', 'POST', { email: 'admin@example.com', roleNames: ['Admin'] });
    const user = created.body.user as { userId: string; loginIds: string[] };
    expect(user.loginIds).toEqual(['admin@example.com']);
    expect((await admin(emulator, `/users/${user.userId}`)).body.user).toMatchObject({ roleNames: ['Admin'] });
    const patched = await admin(emulator, `/users/${user.userId}`, 'PATCH', { status: 'disabled' });
    expect(patched.body.user).toMatchObject({ status: 'disabled' });
    expect((await admin(emulator, '/users?limit=2')).body).toMatchObject({ total: 4, users: [{}, {}] });
    expect((await admin(emulator, `/users/${user.userId}`, 'DELETE')).status).toBe(200);
    expect((await admin(emulator, `/users/${user.userId}`)).status).toBe(404);
    expect(emulator.audit.events().map((event) => event.action)).toEqual([
      'UserCreated',
      'UserModified',
      'UserDeleted',
    ]);
  });

  it('rejects a malformed user with 400 and a taken login id with 409', async () => {
    const emulator = await emulators.start({ userCount: 1 });
    expect((await admin(emulator, '/users', 'POST', { status: 'sleeping' })).status).toBe(400);
    const taken = emulator.users.all()[0]!.loginIds;
    expect((await admin(emulator, '/users', 'POST', { loginIds: taken })).status).toBe(409);
  });

  it('seeds more users in bulk without audit events', async () => {
    const emulator = await emulators.start({ userCount: 10 });
    const response = await admin(emulator, '/users/seed', 'POST', { count: 500, seed: 77 });
    expect(response.body).toEqual({ added: 500, total: 510 });
    expect(emulator.audit.events()).toEqual([]);
    const client = await connect(emulator);
    expect((await client.management.user.search({ limit: 1 })).data?.total).toBe(510);
  });

  it('resets users, audit events, counters and rate-limit history to the start', async () => {
    const emulator = await emulators.start({
      userCount: 20,
      rateLimits: { search: { limit: 1, windowMs: 60_000, blockMs: 60_000 } },
    });
    const original = emulator.users.all();
    emulator.users.create({ email: 'gone@example.com' });
    await rawCall(emulator, '/v2/mgmt/user/search', {});
    expect((await rawCall(emulator, '/v2/mgmt/user/search', {})).status).toBe(429);
    expect((await admin(emulator, '/reset', 'POST', {})).body).toEqual({ users: 20 });
    expect(emulator.users.all()).toEqual(original);
    expect(emulator.audit.events()).toEqual([]);
    expect(emulator.counters.get()).toEqual({});
    expect((await rawCall(emulator, '/v2/mgmt/user/search', {})).status).toBe(200);
    expect((await admin(emulator, '/reset', 'POST', { userCount: 5, seed: 2 })).body).toEqual({ users: 5 });
  });

  it('requires the admin token when one is configured', async () => {
    const emulator = await emulators.start({ adminToken: 'let-me-in' });
    expect((await admin(emulator, '/health')).status).toBe(401);
    expect((await admin(emulator, '/health', 'GET', undefined, 'let-me-in')).body).toMatchObject({ ok: true });
  });

  it('reconfigures rate limits while running', async () => {
    const emulator = await emulators.start();
    const body = { search: { limit: 1, windowMs: 60_000, blockMs: 0 } };
    expect((await admin(emulator, '/rate-limits', 'PUT', body)).body).toMatchObject(body);
    await rawCall(emulator, '/v2/mgmt/user/search', {});
    expect((await rawCall(emulator, '/v2/mgmt/user/search', {})).status).toBe(429);
  });
});

describe('programmatic users', () => {
  it('hands out copies, so changing one changes nothing in the emulator', async () => {
    const emulator = await emulators.start({ userCount: 2 });
    const [user] = emulator.users.all();
    user!.roleNames.push('Hacker');
    user!.name = 'Changed';
    expect(emulator.users.get(user!.userId)).not.toMatchObject({ name: 'Changed' });
    expect(emulator.users.get(user!.userId)?.roleNames).not.toContain('Hacker');
  });

  it('updates and deletes many users with one batch event each', async () => {
    const emulator = await emulators.start({ userCount: 5 });
    const ids = emulator.users.all().map((user) => user.userId);
    const updated = emulator.users.updateMany(ids.map((userId) => ({ userId, patch: { givenName: 'Same' } })));
    expect(updated.map((user) => user.givenName)).toEqual(Array(5).fill('Same'));
    expect(emulator.users.deleteMany([...ids, 'U2none'])).toBe(5);
    expect(emulator.audit.events().map((event) => event.action)).toEqual(['UsersModified', 'UsersDeleted']);
  });
});
