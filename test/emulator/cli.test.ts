import { describe, expect, it } from 'vitest';
import { EmulatorUsageError, runEmulatorCommand } from '../../src/emulator/cli';
import { parseEmulatorFlags } from '../../src/emulator/cliFlags';

describe('emulator command', () => {
  it('maps flags onto emulator options', () => {
    const parsed = parseEmulatorFlags([
      ...['--port', '0', '--seed', '5', '--users', '20', '--test-users', '2', '--max-limit', '500'],
      ...['--search-rpm', '30', '--latency-ms', '10', '--jitter-ms', '5', '--error-rate', '0.1'],
      ...['--webhook-url', 'http://127.0.0.1:9/hook', '--webhook-auth', 'apikey', '--webhook-api-key', 'k'],
      ...['--webhook-api-key-header', 'x-key', '--webhook-hmac-secret', 's', '--webhook-delay-ms', '50'],
    ]);
    expect(parsed).toEqual({
      help: false,
      options: expect.objectContaining({
        port: 0,
        seed: 5,
        userCount: 20,
        testUserCount: 2,
        maxLimit: 500,
        rateLimits: { search: { limit: 30, windowMs: 60_000, blockMs: 60_000 } },
        faults: { latencyMs: 10, jitterMs: 5, errorRate: 0.1, nonJsonRate: 0 },
        webhook: {
          url: 'http://127.0.0.1:9/hook',
          auth: { type: 'apikey', header: 'x-key', key: 'k' },
          hmacSecret: 's',
          delayMs: 50,
        },
      }),
    });
  });

  it('turns every rate limit off with --no-rate-limit', () => {
    expect(parseEmulatorFlags(['--no-rate-limit'])).toMatchObject({ options: { rateLimits: false } });
  });

  it.each([
    [['--users', 'many'], /--users must be an integer/],
    [['--error-rate', '2'], /--error-rate must be a number from 0 to 1/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--webhook-auth', 'bearer'], /needs --webhook-token/],
    [['--webhook-auth', 'magic'], /--webhook-auth must be/],
  ])('rejects %j with a clear message', (argv, message) => {
    expect(() => parseEmulatorFlags(argv)).toThrow(EmulatorUsageError);
    expect(() => parseEmulatorFlags(argv)).toThrow(message);
  });

  it('prints help for --help', async () => {
    const lines: string[] = [];
    await runEmulatorCommand(['--help'], { print: (line) => lines.push(line) });
    expect(lines.join('\n')).toMatch(/--webhook-hmac-secret/);
  });

  it('runs until stopped and prints the settings that point the product at it', async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    const running = runEmulatorCommand(['--port', '0', '--users', '15', '--test-users', '0'], {
      signal: stop.signal,
      print: (line) => lines.push(line),
    });
    await expect.poll(() => lines.length).toBeGreaterThan(3);
    const env = Object.fromEntries(lines.filter((line) => /^DESCOPE_/.test(line)).map((line) => line.split('=', 2)));
    const response = await fetch(`${env.DESCOPE_BASE_URL}/v2/mgmt/user/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.DESCOPE_PROJECT_ID}:${env.DESCOPE_MANAGEMENT_KEY}` },
      body: '{}',
    });
    expect(await response.json()).toMatchObject({ total: 15 });
    stop.abort();
    await running;
    await expect(fetch(`${env.DESCOPE_BASE_URL}/v1/mgmt/license`)).rejects.toThrow();
  });
});
