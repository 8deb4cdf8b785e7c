import { afterEach, describe, expect, it } from 'vitest';
import { connect, Emulators, rawCall } from './fixtures';

const emulators = new Emulators();
afterEach(() => emulators.closeAll());

describe('fault injection', () => {
  it('fails the next N requests with a JSON 5xx, then recovers', async () => {
    const emulator = await emulators.start({ userCount: 5 });
    const client = await connect(emulator);
    emulator.faults.set({ failNext: 2, errorStatuses: [500] });
    const codes: (number | undefined)[] = [];
    for (let i = 0; i < 3; i++) codes.push((await client.management.user.search({})).code);
    expect(codes).toEqual([500, 500, 200]);
    expect(emulator.counters.get().search).toEqual({ 200: 1, 500: 2 });
  });

  it('answers with a Descope-style JSON error body that the SDK returns as error', async () => {
    const emulator = await emulators.start();
    const client = await connect(emulator);
    emulator.faults.set({ failNext: 1, errorStatuses: [502] });
    const response = await client.management.user.search({});
    expect(response).toMatchObject({ ok: false, code: 502, error: { errorCode: 'E010001' } });
  });

  // Not in DESCOPE_API.md: @descope/core-js-sdk retries 503 (and Cloudflare's 52x) itself, after 100 ms, 5 s and
  // 5 s, so a product sees a 503 only when four attempts in a row fail.
  it('shows that the SDK silently retries a 503 once it has been answered', async () => {
    const emulator = await emulators.start();
    const client = await connect(emulator);
    emulator.faults.set({ failNext: 1, errorStatuses: [503] });
    const response = await client.management.user.search({});
    expect(response.code).toBe(200);
    expect(emulator.counters.get().search).toEqual({ 200: 1, 503: 1 });
  });

  it('fails a seeded fraction of requests, the same ones for the same seed', async () => {
    const statuses = async (seed: number) => {
      const emulator = await emulators.start({ faults: { errorRate: 0.4, seed } });
      const codes: number[] = [];
      for (let i = 0; i < 40; i++) codes.push((await rawCall(emulator, '/v2/mgmt/user/search', {})).status);
      return codes;
    };
    const first = await statuses(5);
    expect(await statuses(5)).toEqual(first);
    const failures = first.filter((status) => status >= 500);
    expect(failures.length).toBeGreaterThan(5);
    expect(failures.length).toBeLessThan(30);
    expect(new Set(failures).size).toBeGreaterThan(1);
    expect(failures.every((status) => [500, 502, 503].includes(status))).toBe(true);
  });

  it('sends an HTML 502 that makes the SDK throw instead of returning an error', async () => {
    const emulator = await emulators.start({ userCount: 5 });
    const client = await connect(emulator);
    emulator.faults.set({ nonJsonRate: 1, nonJsonKinds: ['html502'] });
    await expect(client.management.user.search({})).rejects.toThrow(SyntaxError);
    const raw = await rawCall(emulator, '/v2/mgmt/user/search', {});
    expect(raw.status).toBe(502);
    expect(raw.headers.get('content-type')).toMatch(/^text\/html/);
    expect(raw.text).toContain('502 Bad Gateway');
  });

  it('sends a plain-text 429 like a CDN would, which the SDK cannot parse either', async () => {
    const emulator = await emulators.start({ userCount: 5 });
    const client = await connect(emulator);
    emulator.faults.set({ nonJsonRate: 1, nonJsonKinds: ['text429'] });
    await expect(client.management.user.loadByUserId('U2x')).rejects.toThrow(SyntaxError);
    const raw = await rawCall(emulator, '/v2/mgmt/user/search', {});
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('1');
    expect(raw.text).toBe('Too Many Requests\n');
  });

  it('limits faults to the chosen endpoint classes', async () => {
    const emulator = await emulators.start({ userCount: 3, faults: { errorRate: 1, endpoints: ['search'] } });
    const userId = emulator.users.all()[0]!.userId;
    expect((await rawCall(emulator, '/v2/mgmt/user/search', {})).status).toBeGreaterThanOrEqual(500);
    expect((await rawCall(emulator, `/v1/mgmt/user?userId=${userId}`)).status).toBe(200);
  });

  it('adds latency to each request', async () => {
    const emulator = await emulators.start({ faults: { latencyMs: 150, endpoints: ['search'] } });
    const started = performance.now();
    await rawCall(emulator, '/v2/mgmt/user/search', {});
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('returns empty pages with the real total during a partial outage', async () => {
    const emulator = await emulators.start({ userCount: 30, faults: { emptySearch: true } });
    const client = await connect(emulator);
    const response = await client.management.user.search({ limit: 10 });
    expect(response.data).toEqual({ users: [], total: 30 });
  });

  it('can make the outage look like an empty project', async () => {
    const emulator = await emulators.start({ userCount: 30 });
    const client = await connect(emulator);
    emulator.faults.set({ emptySearch: true, emptySearchTotal: 'zero' });
    expect((await client.management.user.search({})).data).toEqual({ users: [], total: 0 });
    emulator.faults.set({ emptySearch: false });
    expect((await client.management.user.search({})).data?.total).toBe(30);
  });

  it('is steered through the admin API as well', async () => {
    const emulator = await emulators.start();
    const put = await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failNext: 1, errorStatuses: [500] }),
    });
    expect(await put.json()).toMatchObject({ failNext: 1 });
    expect((await rawCall(emulator, '/v2/mgmt/user/search', {})).status).toBe(500);
    await fetch(`${emulator.url}/_emulator/faults`, { method: 'DELETE' });
    expect(emulator.faults.get()).toMatchObject({ failNext: 0, errorRate: 0 });
  });
});

describe('request counters', () => {
  it('count requests by endpoint class and status, and reset', async () => {
    const emulator = await emulators.start({ userCount: 3 });
    const client = await connect(emulator);
    const [user] = emulator.users.all();
    await client.management.user.search({});
    await client.management.user.search({});
    await client.management.user.loadByUserId(user!.userId);
    await client.management.user.loadByUserId('U2missing');
    await client.management.user.loadUsers([user!.userId]);
    await client.management.user.create('c@example.com', {});
    await client.management.user.patch('c@example.com', { givenName: 'C' });
    await client.management.user.delete('c@example.com');
    await client.management.audit.search({});
    await rawCall(emulator, '/v1/mgmt/no/such/route', {});
    expect(emulator.counters.get()).toEqual({
      license: { 200: 1 },
      search: { 200: 2 },
      load: { 200: 1, 404: 1 },
      loadUsers: { 200: 1 },
      create: { 200: 1 },
      update: { 200: 1 },
      delete: { 200: 1 },
      audit: { 200: 1 },
      unknown: { 404: 1 },
    });
    expect(emulator.counters.total('load')).toBe(2);
    expect(emulator.counters.total('load', 404)).toBe(1);
    const viaAdmin = await fetch(`${emulator.url}/_emulator/counters`);
    expect(await viaAdmin.json()).toEqual(emulator.counters.get());
    emulator.counters.reset();
    expect(emulator.counters.get()).toEqual({});
  });

  it('count refused requests under their endpoint too', async () => {
    const emulator = await emulators.start();
    await rawCall(emulator, '/v2/mgmt/user/search', {}, { auth: 'Bearer nope' });
    const malformed = await fetch(`${emulator.url}/v2/mgmt/user/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emulator.projectId}:${emulator.managementKey}` },
      body: '{not json',
    });
    expect(await malformed.json()).toMatchObject({ errorCode: 'E011001' });
    expect(emulator.counters.get().search).toEqual({ 400: 1, 401: 1 });
  });
});
