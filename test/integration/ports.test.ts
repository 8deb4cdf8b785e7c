import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../fixtures/cli';

/** Holds a port on every address, as another process (a second worker, an exporter) would. */
async function holdPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return { server, port: address.port };
}

/**
 * Review C2: a worker whose METRICS_PORT was taken waited forever with no poller running, and its log said it
 * carried on. Any port a process cannot bind must stop it at once, naming the setting and the port. Nothing
 * else is reachable here (Temporal and MongoDB point at closed ports), so a process that got past the bind
 * would fail on a connection instead, with a message that does not name the port.
 */
describe('a port that is taken stops the process at start', () => {
  let held: { server: Server; port: number };
  const unreachable = {
    DESCOPE_PROJECT_ID: 'P2ports',
    DESCOPE_MANAGEMENT_KEY: 'K2ports',
    DESCOPE_BASE_URL: 'http://127.0.0.1:9',
    MONGODB_URI: 'mongodb://127.0.0.1:9',
    TEMPORAL_ADDRESS: '127.0.0.1:9',
    LOG_LEVEL: 'error',
  };

  beforeAll(async () => {
    held = await holdPort();
  });
  afterAll(() => new Promise<void>((resolve) => held.server.close(() => resolve())));

  it('worker: METRICS_PORT taken stops it before any connection, naming METRICS_PORT and the port', async () => {
    const result = await runCli(undefined, ['worker'], { ...unreachable, METRICS_PORT: String(held.port) }, 30_000);
    expect(result.code).not.toBe(0);
    expect(result.code).toBe(2);
    expect(result.stderr + result.stdout).toContain(`METRICS_PORT ${held.port}`);
    expect(result.stderr).not.toContain('Cannot reach'); // stopped before connecting
  });

  it('webhook: WEBHOOK_PORT taken stops it before any connection, naming WEBHOOK_PORT and the port', async () => {
    const result = await runCli(
      undefined,
      ['webhook'],
      { ...unreachable, WEBHOOK_PORT: String(held.port), WEBHOOK_AUTH: 'none', METRICS_PORT: '0' },
      30_000,
    );
    expect(result.code).not.toBe(0);
    expect(result.code).toBe(2);
    expect(result.stderr + result.stdout).toContain(`WEBHOOK_PORT ${held.port}`);
    expect(result.stderr).not.toContain('Cannot reach');
  });
});

describe('configuration comes before any connection', () => {
  it('webhook without WEBHOOK_AUTH exits 2 naming WEBHOOK_AUTH before trying the unreachable MongoDB', async () => {
    const result = await runCli(undefined, ['webhook'], {
      DESCOPE_PROJECT_ID: 'P2ports',
      DESCOPE_MANAGEMENT_KEY: 'K2ports',
      MONGODB_URI: 'mongodb://127.0.0.1:9',
      TEMPORAL_ADDRESS: '127.0.0.1:9',
      WEBHOOK_AUTH: undefined,
      WEBHOOK_PORT: '0',
      LOG_LEVEL: 'error',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('WEBHOOK_AUTH is not set');
    expect(result.stderr).not.toContain('Cannot reach');
  });

  it('an unreachable MongoDB exits 3 (a dependency, not bad usage), naming MONGODB_URI', async () => {
    const result = await runCli(undefined, ['status'], {
      DESCOPE_PROJECT_ID: 'P2ports',
      DESCOPE_MANAGEMENT_KEY: 'K2ports',
      MONGODB_URI: 'mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=500',
      LOG_LEVEL: 'error',
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Cannot reach MongoDB (MONGODB_URI');
  });
});
