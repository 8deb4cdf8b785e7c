import { describe, expect, it } from 'vitest';
import { Receiver } from './fixtures';
import { useWebhookHarness } from './webhookHarness';

const harness = useWebhookHarness();
const { start, touch } = harness;

/** The `touch` counter each delivered event carries, in delivery order. */
const givenNames = (body: unknown): string[] =>
  (body as { data: { Change: { givenName: string } } }[]).map((event) => event.data.Change.givenName);

describe('webhook delivery faults', () => {
  it('delivers a batch twice when told to, byte for byte', async () => {
    const emulator = await start({ duplicateNext: 1 });
    touch(emulator, 3);
    await emulator.webhook.flush();
    const [first, second] = harness.receiver.deliveries();
    expect(second?.raw.equals(first!.raw)).toBe(true);
    expect(emulator.webhook.stats()).toMatchObject({ duplicated: 1, acked: 2, eventsDelivered: 6 });
  });

  it('duplicates by probability too', async () => {
    const emulator = await start({ duplicateRate: 1, maxBatch: 10 });
    touch(emulator, 30);
    await emulator.webhook.flush();
    expect(harness.receiver.deliveries()).toHaveLength(6);
  });

  it('drops the next batches silently when told to', async () => {
    const emulator = await start({ dropNext: 1, maxBatch: 10 });
    touch(emulator, 25);
    await emulator.webhook.flush();
    expect(harness.receiver.events()).toHaveLength(15);
    expect(emulator.webhook.stats()).toMatchObject({ dropped: 1, acked: 2 });
  });

  it('drops every batch at a drop rate of 1', async () => {
    const emulator = await start({ dropRate: 1 });
    touch(emulator, 5);
    await emulator.webhook.flush();
    expect(harness.receiver.deliveries()).toHaveLength(0);
    expect(emulator.webhook.stats().dropped).toBe(1);
  });

  it('reorders events within batches reproducibly for a seed', async () => {
    for (const seed of [4, 4]) {
      const emulator = await start({ reorder: 'within', seed });
      touch(emulator, 20);
      await emulator.webhook.flush();
      await emulator.close();
    }
    const [first, second] = harness.receiver.deliveries().map((request) => givenNames(request.body));
    const inOrder = Array.from({ length: 20 }, (_, i) => `v${i}`);
    expect(first).not.toEqual(inOrder);
    expect([...first!].sort()).toEqual([...inOrder].sort());
    expect(second).toEqual(first);
  });

  it('moves events across batches when reordering across', async () => {
    const emulator = await start({ reorder: 'across', maxBatch: 5, seed: 9 });
    touch(emulator, 20);
    await emulator.webhook.flush();
    const firstBatch = givenNames(harness.receiver.deliveries()[0]?.body);
    expect(firstBatch).not.toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    expect(harness.receiver.events()).toHaveLength(20);
  });

  it('retries a 503 after the Retry-After the receiver asked for', async () => {
    let calls = 0;
    harness.receiver.reply = () => (++calls === 1 ? { status: 503, headers: { 'retry-after': '0' } } : { status: 200 });
    // A backoff far beyond the test timeout: only honouring Retry-After lets this finish.
    const emulator = await start({ retry: { attempts: 3, backoffMs: 600_000, maxDelayMs: 600_000 } });
    touch(emulator, 2);
    await emulator.webhook.flush();
    expect(emulator.webhook.stats()).toMatchObject({ sent: 2, retried: 1, acked: 1, failed: 0 });
    expect(harness.receiver.deliveries()[1]?.raw.equals(harness.receiver.deliveries()[0]!.raw)).toBe(true);
  }, 10_000);

  it('gives a batch up after its last attempt', async () => {
    harness.receiver.reply = () => ({ status: 500 });
    const emulator = await start({ retry: { attempts: 3, backoffMs: 1 } });
    touch(emulator, 1);
    await emulator.webhook.flush();
    expect(emulator.webhook.stats()).toMatchObject({ sent: 3, retried: 2, failed: 1, acked: 0, lastError: 'HTTP 500' });
  });

  it('does not retry non-2xx replies when told not to', async () => {
    harness.receiver.reply = () => ({ status: 400 });
    const emulator = await start({ retry: { retryNon2xx: false } });
    touch(emulator, 1);
    await emulator.webhook.flush();
    expect(emulator.webhook.stats()).toMatchObject({ sent: 1, failed: 1 });
  });

  it('retries connection errors, then gives up', async () => {
    const closed = await Receiver.start();
    await closed.close();
    const emulator = await start({ url: closed.url, retry: { attempts: 2, backoffMs: 1 } });
    touch(emulator, 1);
    await emulator.webhook.flush();
    expect(emulator.webhook.stats()).toMatchObject({ sent: 2, retried: 1, failed: 1 });
  });
});

describe('webhook control', () => {
  it('queues nothing while disabled and can be retargeted while running', async () => {
    const emulator = await start({ enabled: false });
    touch(emulator, 3);
    await emulator.webhook.flush();
    expect(emulator.webhook.stats()).toMatchObject({ skipped: 3, sent: 0 });
    const other = await Receiver.start();
    try {
      emulator.webhook.configure({ enabled: true, url: other.url });
      touch(emulator, 2);
      await emulator.webhook.flush();
      expect(other.events()).toHaveLength(2);
      expect(harness.receiver.events()).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('is steered and flushed through the admin API', async () => {
    const emulator = await harness.emulators.start({ userCount: 2 });
    const admin = (path: string, method: string, body?: unknown) =>
      fetch(`${emulator.url}/_emulator${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then((response) => response.json() as Promise<Record<string, unknown>>);
    await admin('/webhook', 'PUT', {
      url: harness.receiver.url,
      delayMs: 60_000,
      auth: { type: 'bearer', token: 'a' },
    });
    touch(emulator, 4);
    const flushed = await admin('/webhook/flush', 'POST');
    expect(flushed.stats).toMatchObject({ acked: 1, eventsDelivered: 4 });
    expect(await admin('/webhook', 'GET')).toMatchObject({ options: { url: harness.receiver.url, auth: 'bearer' } });
  });

  it('discards pending events on close without waiting for the delay', async () => {
    const emulator = await start({ delayMs: 600_000 });
    touch(emulator, 5);
    await emulator.close();
    expect(emulator.webhook.stats()).toMatchObject({ pending: 0, skipped: 5, sent: 0 });
  });
});
