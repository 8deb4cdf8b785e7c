import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../fixtures/stack';
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
      { name: 'an event without a user', send: () => post(JSON.stringify([{ ...event, userId: undefined }]), auth) },
      {
        name: 'a __proto__ payload',
        send: () => post('[{"action":"UserModified","__proto__":{"polluted":true},"occurred":1}]', auth),
      },
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
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const { count: started } = await stack.client.workflow.count(`TaskQueue = '${stack.taskQueue}'`);
    const written = await stack.store.users.countDocuments({});
    const recorded = await stack.store.events.countDocuments({});
    recordReliability({
      fault: 'Bad input: webhook requests without or with wrong credentials, malformed, oversized, __proto__',
      injected: cases.length,
      outcome: `all ${cases.length} refused with a 4xx; no stack trace or token in any reply`,
      lost: started + written + recorded, // anything started or written from bad input counts against us
    });
    expect({ started, written, recorded }).toEqual({ started: 0, written: 0, recorded: 0 });
  });
});
