import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stackEnv } from '../fixtures/cli';
import { startStack, waitUntil, type Stack } from '../fixtures/stack';
import { freePort } from '../../src/servers/process';

const bin = join(import.meta.dirname, '../../bin/descope-sync.js');
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** One POST on a keep-alive agent with one socket: every request reuses the same connection, as Descope's does. */
function post(agent: Agent, port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/webhooks/descope',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

describe('the webhook server on SIGTERM', () => {
  it('stops within seconds while a sender keeps posting on a kept-alive connection', async () => {
    stack = await startStack({ emulator: { seed: 5, userCount: 5, testUserCount: 0 } });
    const port = await freePort();
    const child = spawn(process.execPath, [bin, 'webhook'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...stackEnv(stack),
        WEBHOOK_AUTH: 'none',
        WEBHOOK_PORT: String(port),
        METRICS_PORT: '0',
        LOG_LEVEL: 'info',
      },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let sending = true;
    try {
      await waitUntil('the webhook server to listen', async () => output.includes('webhook listening'), 60_000);
      const userId = stack.emulator.users.all()[0]!.userId;
      const delivery = JSON.stringify([{ action: 'UserModified', userId, occurred: Date.now(), id: 'e-shutdown' }]);
      const statuses: number[] = [];
      // A sender with a backlog: the next delivery goes as soon as the last is answered, so the connection is
      // never idle when the server is told to stop.
      const sender = (async () => {
        while (sending) {
          const status = await post(agent, port, delivery).catch(() => -1);
          statuses.push(status);
          if (status < 0) await new Promise((r) => setTimeout(r, 100));
        }
      })();
      await waitUntil('deliveries to be answered', async () => statuses.filter((s) => s > 0).length >= 3, 30_000);
      const stoppedAt = Date.now();
      child.kill('SIGTERM');
      const code = await exited;
      const tookMs = Date.now() - stoppedAt;
      sending = false;
      await sender;
      expect(code).toBe(130);
      expect(output).not.toContain('still stopping');
      // Far inside the 40 s guard: open connections get at most the drain time (10 s).
      expect(tookMs).toBeLessThan(15_000);
    } finally {
      sending = false;
      agent.destroy();
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
