import { afterEach, describe, expect, it } from 'vitest';
import { startStack, waitUntil, type Stack } from '../fixtures/stack';
import { startStackWebhook, type RunningWebhook } from '../fixtures/webhook';
import { recordReliability } from '../fixtures/reliability';

let stack: Stack | undefined;
let webhook: RunningWebhook | undefined;
afterEach(async () => {
  await webhook?.close();
  await stack?.close();
  webhook = undefined;
  stack = undefined;
});

const event = {
  action: 'UserModified',
  userId: 'U2notarealuser',
  occurred: 1_700_000_000_000,
  actorId: 'K1',
  data: {},
};

describe('bad webhook input against the real endpoint, Temporal and MongoDB', () => {
  it('refuses every bad request with a 4xx, starts no workflow, writes nothing, and leaks no stack or secret', async () => {
    stack = await startStack({ emulator: { seed: 91, userCount: 5, testUserCount: 0 } });
    webhook = await startStackWebhook(stack);
    const { url, token } = webhook;
    const post = (body: string, headers: Record<string, string>) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const auth = { authorization: `Bearer ${token}` };
    const cases: { name: string; send: () => Promise<Response> }[] = [
      { name: 'no credentials', send: () => post(JSON.stringify([event]), {}) },
      { name: 'a wrong token', send: () => post(JSON.stringify([event]), { authorization: `Bearer ${token}x` }) },
      {
        name: 'a token of another scheme',
        send: () => post(JSON.stringify([event]), { authorization: `Basic ${token}` }),
      },
      { name: 'malformed JSON', send: () => post('[{"action":"UserCreated",', auth) },
      { name: 'a bare number', send: () => post('42', auth) },
      { name: 'a list of events as a string', send: () => post(JSON.stringify(JSON.stringify([event])), auth) },
      {
        name: 'a body over the size limit',
        send: () => post(JSON.stringify([{ ...event, pad: 'x'.repeat(2e6) }]), auth),
      },
      {
        name: 'a form content type',
        send: () =>
          fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth },
            body: 'a=1',
          }),
      },
    ];
    for (const { name, send } of cases) {
      const reply = await send();
      const text = await reply.text();
      expect(reply.status, name).toBeGreaterThanOrEqual(400);
      expect(reply.status, name).toBeLessThan(500);
      expect(text, name).not.toMatch(/\n\s+at /); // no stack trace
      expect(text, name).not.toContain(token);
    }
    const { count: started } = await stack.client.workflow.count(`TaskQueue = '${stack.taskQueue}'`);
    const written = await stack.store.users.countDocuments({});
    const recorded = await stack.store.events.countDocuments({});
    recordReliability({
      fault: 'Bad input: webhook requests without or with wrong credentials, malformed, oversized, not an event list',
      injected: cases.length,
      outcome: `all ${cases.length} refused with a 4xx; no stack trace or token in any reply`,
      lost: started + written + recorded, // anything started or written from bad input counts against us
    });
    expect({ started, written, recorded }).toEqual({ started: 0, written: 0, recorded: 0 });
  });

  it('skips and counts bad events, applies their valid siblings, and lets no __proto__ name a user', async () => {
    stack = await startStack({ emulator: { seed: 92, userCount: 0, testUserCount: 0 } });
    await stack.startWorker();
    webhook = await startStackWebhook(stack);
    const good = [0, 1, 2].map((i) => stack!.emulator.users.create({ email: `sibling-${i}@example.com` }));
    const victim = stack.emulator.users.create({ email: 'victim@example.com' });
    const valid = (userId: string) => ({ ...event, userId, occurred: Date.now() });
    const body =
      `[${JSON.stringify(valid(good[0]!.userId))},` +
      `{"action":"UserModified","occurred":1,"__proto__":{"userId":"${victim.userId}","polluted":true}},` +
      `${JSON.stringify({ ...event, userId: null })},` +
      `${JSON.stringify(valid(good[1]!.userId))},` +
      `${JSON.stringify({ ...valid(victim.userId), projectId: 'P2someoneelse' })},` +
      `${JSON.stringify({ ...event, userId: 'U1', occurred: 'yesterday' })},` +
      `${JSON.stringify({ ...valid(good[2]!.userId), data: { Change: { constructor: { prototype: 1 } } } })}]`;
    const reply = await fetch(webhook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${webhook.token}` },
      body,
    });
    expect(reply.status).toBe(200);
    const json = (await reply.json()) as { accepted: number; invalid: number; problems: string[] };
    expect(json).toMatchObject({ accepted: 3, invalid: 4 });
    expect(json.problems).toEqual([
      expect.stringMatching(/^\[1\]\.__proto__: forbidden key/),
      expect.stringMatching(/^\[2\]\.userId: required/),
      expect.stringMatching(/^\[4\]\.projectId: another project/),
      expect.stringMatching(/^\[5\]\.occurred: /),
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await waitUntil('the valid siblings to be applied', async () => (await stack!.store.users.countDocuments({})) >= 3);
    await waitUntil('every event workflow to finish', async () => {
      const { count } = await stack!.client.workflow.count(
        `TaskQueue = '${stack!.taskQueue}' AND ExecutionStatus = 'Running'`,
      );
      return count === 0;
    });
    const stored = await stack.store.users.find({}, { projection: { userId: 1 } }).toArray();
    expect(stored.map((d) => d.userId).sort()).toEqual(good.map((u) => u.userId).sort());
  });
});
