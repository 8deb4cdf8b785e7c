import { createHmac } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { WebhookSenderOptions } from '../../src/emulator';
import { connect } from './fixtures';
import { useWebhookHarness } from './webhookHarness';

const harness = useWebhookHarness();
const { start, touch } = harness;

describe('webhook delivery', () => {
  it('posts user changes as a JSON array of audit events, in order, once flushed', async () => {
    const emulator = await start();
    const client = await connect(emulator);
    const created = (await client.management.user.create('eve@example.com', { email: 'eve@example.com' })).data!;
    await client.management.user.patch(created.userId, { displayName: 'Eve' });
    await client.management.user.deleteByUserId(created.userId);
    expect(harness.receiver.deliveries()).toHaveLength(0);
    await emulator.webhook.flush();
    expect(harness.receiver.deliveries()).toHaveLength(1);
    const events = harness.receiver.events();
    expect(events.map((event) => event.action)).toEqual(['UserCreated', 'UserModified', 'UserDeleted']);
    expect(events[1]).toEqual({
      action: 'UserModified',
      type: 'info',
      projectId: emulator.projectId,
      userId: created.userId,
      actorId: expect.stringMatching(/^K2/),
      occurred: harness.clock.ms,
      occurred_formatted: new Date(harness.clock.ms).toISOString().replace('Z', '000Z'),
      device: 'Unknown',
      method: '',
      geo: '',
      remoteAddress: expect.any(String),
      loginIds: ['eve@example.com'],
      tenants: null,
      data: { Change: { name: 'Eve' } },
    });
    expect(emulator.webhook.stats()).toMatchObject({ enqueued: 3, sent: 1, acked: 1, eventsDelivered: 3, pending: 0 });
  });

  it('delivers on its own after the batching delay', async () => {
    const emulator = await start({ delayMs: 20 });
    touch(emulator, 2);
    await vi.waitFor(() => expect(harness.receiver.events()).toHaveLength(2), { timeout: 10_000 });
  });

  it('sends at most 100 events per POST, and fewer when asked', async () => {
    const emulator = await start();
    touch(emulator, 250);
    await emulator.webhook.flush();
    expect(harness.receiver.deliveries().map((request) => (request.body as unknown[]).length)).toEqual([100, 100, 50]);
    emulator.webhook.configure({ maxBatch: 1000 });
    expect(emulator.webhook.options().maxBatch).toBe(100);
    emulator.webhook.configure({ maxBatch: 40 });
    touch(emulator, 90);
    await emulator.webhook.flush();
    const sizes = harness.receiver.deliveries().map((request) => (request.body as unknown[]).length);
    expect(sizes.slice(3)).toEqual([40, 40, 10]);
  });

  it('names the users of a batch event in data.userIds, or leaves them out when told to', async () => {
    const emulator = await start();
    const ids = emulator.users
      .createMany([{ email: 'x@example.com' }, { email: 'y@example.com' }])
      .map((u) => u.userId);
    await emulator.webhook.flush();
    expect(harness.receiver.events()[0]).toMatchObject({ action: 'UsersCreated', userId: '', data: { userIds: ids } });
    emulator.webhook.configure({ batchEventsNameUsers: false });
    emulator.users.deleteMany(ids);
    await emulator.webhook.flush();
    expect(harness.receiver.events()[1]).toMatchObject({ action: 'UsersDeleted', data: {} });
    expect(emulator.audit.events()[1]?.data).toEqual({ userIds: ids });
  });

  it('adds event IDs only when asked, the same IDs audit search reports', async () => {
    const emulator = await start();
    touch(emulator, 1);
    await emulator.webhook.flush();
    expect(harness.receiver.events()[0]).not.toHaveProperty('ID');
    emulator.webhook.configure({ includeEventIds: true });
    touch(emulator, 1);
    await emulator.webhook.flush();
    expect(harness.receiver.events()[1]?.ID).toBe(emulator.audit.events()[1]?.ID);
  });
});

describe('webhook authentication and signing', () => {
  it.each<[string, WebhookSenderOptions['auth'], Record<string, string>]>([
    ['bearer', { type: 'bearer', token: 't0ken' }, { authorization: 'Bearer t0ken' }],
    ['API key', { type: 'apikey', header: 'X-Descope-Key', key: 'k3y' }, { 'x-descope-key': 'k3y' }],
    ['basic', { type: 'basic', username: 'descope', password: 'pw' }, { authorization: 'Basic ZGVzY29wZTpwdw==' }],
  ])('sends %s credentials with every POST', async (_mode, auth, expected) => {
    const emulator = await start({ auth, headers: { 'x-custom': 'yes' } });
    touch(emulator, 1);
    await emulator.webhook.flush();
    expect(harness.receiver.deliveries()[0]?.headers).toMatchObject({ ...expected, 'x-custom': 'yes' });
  });

  it('sends no credentials with auth none', async () => {
    const emulator = await start({ auth: { type: 'none' } });
    touch(emulator, 1);
    await emulator.webhook.flush();
    expect(harness.receiver.deliveries()[0]?.headers.authorization).toBeUndefined();
  });

  it('fetches an OAuth2 client-credentials token once and sends it as a Bearer', async () => {
    harness.receiver.reply = (request) =>
      request.path === '/token'
        ? {
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: '{"access_token":"oauth-abc","expires_in":3600}',
          }
        : { status: 200 };
    const tokenUrl = harness.receiver.url.replace('/hook', '/token');
    const emulator = await start({
      auth: { type: 'oauth2', tokenUrl, clientId: 'id1', clientSecret: 'shh', scope: 'hooks' },
    });
    touch(emulator, 1);
    await emulator.webhook.flush();
    touch(emulator, 1);
    await emulator.webhook.flush();
    const tokenCalls = harness.receiver.requests.filter((request) => request.path === '/token');
    expect(tokenCalls).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(tokenCalls[0]!.raw.toString()))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'id1',
      client_secret: 'shh',
      scope: 'hooks',
    });
    expect(harness.receiver.deliveries().map((request) => request.headers.authorization)).toEqual([
      'Bearer oauth-abc',
      'Bearer oauth-abc',
    ]);
  });

  it('takes OAuth2 tokens from a provider function', async () => {
    const emulator = await start({ auth: { type: 'oauth2', tokenProvider: () => Promise.resolve('provided') } });
    touch(emulator, 1);
    await emulator.webhook.flush();
    expect(harness.receiver.deliveries()[0]?.headers.authorization).toBe('Bearer provided');
  });

  it('signs the exact bytes sent with x-descope-webhook-s256', async () => {
    const emulator = await start({ hmacSecret: 's3cret' });
    touch(emulator, 3);
    await emulator.webhook.flush();
    const [request] = harness.receiver.deliveries();
    const expected = createHmac('sha256', 's3cret').update(request!.raw).digest('base64');
    expect(request!.headers['x-descope-webhook-s256']).toBe(expected);
  });
});
