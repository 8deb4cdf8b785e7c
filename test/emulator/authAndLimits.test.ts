import { afterEach, describe, expect, it } from 'vitest';
import { connect, Emulators, ManualClock, rawCall } from './fixtures';

const emulators = new Emulators();
afterEach(() => emulators.closeAll());

describe('management authentication', () => {
  it('answers the licence handshake the SDK makes at start-up', async () => {
    const emulator = await emulators.start();
    const response = await rawCall(emulator, '/v1/mgmt/license');
    expect(response.json()).toEqual({ rateLimitTier: 'tier1' });
  });

  it('refuses a wrong management key with 401 and E011003', async () => {
    const emulator = await emulators.start({ userCount: 5 });
    const client = await connect(emulator, 'not-the-key');
    const response = await client.management.user.search({});
    expect(response.ok).toBe(false);
    expect(response.code).toBe(401);
    expect(response.error?.errorCode).toBe('E011003');
  });

  it('refuses a call with no Authorization header or another project id', async () => {
    const emulator = await emulators.start();
    expect((await rawCall(emulator, '/v2/mgmt/user/search', {}, { auth: null })).status).toBe(401);
    const otherProject = `Bearer P2someOtherProject:${emulator.managementKey}`;
    expect((await rawCall(emulator, '/v2/mgmt/user/search', {}, { auth: otherProject })).status).toBe(401);
  });

  it('uses the given project id and key', async () => {
    const emulator = await emulators.start({ projectId: 'P2mine', managementKey: 'K2a:b:c' });
    expect(emulator.projectId).toBe('P2mine');
    expect((await rawCall(emulator, '/v2/mgmt/user/search', {}, { auth: 'Bearer P2mine:K2a:b:c' })).status).toBe(200);
  });
});

describe('rate limits', () => {
  const scaled = { search: { limit: 3, windowMs: 2_000, blockMs: 5_000 } };

  it('answers the request over the limit with 429, Retry-After and the documented E130429 body', async () => {
    const emulator = await emulators.start({ rateLimits: scaled, now: new ManualClock().now });
    for (let i = 0; i < 3; i++) expect((await rawCall(emulator, '/v2/mgmt/user/search', {})).status).toBe(200);
    const limited = await rawCall(emulator, '/v2/mgmt/user/search', {});
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('5');
    expect(limited.text).toBe(
      '{"errorCode":"E130429","errorDescription":"https://docs.descope.com/rate-limit","errorMessage":"API rate limit exceeded."}',
    );
  });

  it('surfaces the wait through the SDK as error.retryAfter', async () => {
    const emulator = await emulators.start({ rateLimits: { search: { limit: 1, windowMs: 60_000, blockMs: 60_000 } } });
    const client = await connect(emulator);
    expect((await client.management.user.search({})).ok).toBe(true);
    const response = await client.management.user.search({});
    expect(response.code).toBe(429);
    expect(response.error).toMatchObject({ errorCode: 'E130429', retryAfter: 60 });
  });

  it('keeps refusing for the whole block even after the window has passed, then recovers', async () => {
    const clock = new ManualClock();
    const emulator = await emulators.start({ rateLimits: scaled, now: clock.now });
    for (let i = 0; i < 4; i++) await rawCall(emulator, '/v2/mgmt/user/search', {});
    clock.advance(2_500);
    const stillBlocked = await rawCall(emulator, '/v2/mgmt/user/search', {});
    expect(stillBlocked.status).toBe(429);
    expect(stillBlocked.headers.get('retry-after')).toBe('3');
    clock.advance(2_500);
    expect((await rawCall(emulator, '/v2/mgmt/user/search', {})).status).toBe(200);
    expect(emulator.counters.get().search).toEqual({ 200: 4, 429: 2 });
  });

  it('without a block, frees a slot as soon as the oldest request leaves the window', async () => {
    const clock = new ManualClock();
    const emulator = await emulators.start({
      rateLimits: { search: { limit: 2, windowMs: 10_000, blockMs: 0 } },
      now: clock.now,
    });
    await rawCall(emulator, '/v2/mgmt/user/search', {});
    clock.advance(4_000);
    await rawCall(emulator, '/v2/mgmt/user/search', {});
    const limited = await rawCall(emulator, '/v2/mgmt/user/search', {});
    expect(limited.headers.get('retry-after')).toBe('6');
    clock.advance(6_000);
    expect((await rawCall(emulator, '/v2/mgmt/user/search', {})).status).toBe(200);
  });

  it('limits each endpoint class on its own', async () => {
    const emulator = await emulators.start({
      userCount: 2,
      rateLimits: { search: { limit: 1, windowMs: 60_000, blockMs: 60_000 }, create: false },
      now: new ManualClock().now,
    });
    await rawCall(emulator, '/v2/mgmt/user/search', {});
    expect((await rawCall(emulator, '/v2/mgmt/user/search', {})).status).toBe(429);
    const userId = emulator.users.all()[0]!.userId;
    expect((await rawCall(emulator, `/v1/mgmt/user?userId=${userId}`)).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      const created = await rawCall(emulator, '/v1/mgmt/user/create', { loginId: `u${i}@example.com` });
      expect(created.status).toBe(200);
    }
  });

  it("applies Descope's documented numbers by default and none when turned off", async () => {
    const defaults = await emulators.start({ rateLimits: undefined });
    expect(defaults.rateLimits.get()).toMatchObject({
      search: { limit: 200, windowMs: 60_000, blockMs: 60_000 },
      create: { limit: 100, windowMs: 60_000, blockMs: 60_000 },
      update: { limit: 200, windowMs: 60_000, blockMs: 60_000 },
      audit: { limit: 10, windowMs: 60_000 },
    });
    const off = await emulators.start({ rateLimits: false });
    for (let i = 0; i < 250; i++) await rawCall(off, '/v2/mgmt/user/search', { limit: 1 });
    expect(off.counters.get().search).toEqual({ 200: 250 });
  });

  it('can be reconfigured while running', async () => {
    const emulator = await emulators.start({ rateLimits: false, now: new ManualClock().now });
    emulator.rateLimits.configure({ audit: { limit: 1, windowMs: 60_000, blockMs: 0 } });
    await rawCall(emulator, '/v1/mgmt/audit/search', {});
    expect((await rawCall(emulator, '/v1/mgmt/audit/search', {})).status).toBe(429);
  });
});
