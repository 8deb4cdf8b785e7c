import { parseArgs } from 'node:util';
import type { EmulatorOptions } from './options';
import type { WebhookAuth } from './webhook/options';

/** Bad command-line usage; the CLI entry point reports the message and exits non-zero. */
export class EmulatorUsageError extends Error {
  override name = 'UsageError';
}

const FLAGS = {
  port: { type: 'string', description: 'port to listen on (default 4000; 0 picks a free one)' },
  host: { type: 'string', description: 'address to bind (default 127.0.0.1)' },
  seed: { type: 'string', description: 'seed of the generated users (default 1)' },
  users: { type: 'string', description: 'users to seed (default 1000)' },
  'test-users': { type: 'string', description: 'test users to seed (default 10)' },
  'max-limit': { type: 'string', description: 'largest search page; bigger limits are clamped (default 100)' },
  'search-rpm': { type: 'string', description: 'search requests per minute before 429 (default 200)' },
  'no-rate-limit': { type: 'boolean', description: 'turn every rate limit off' },
  'latency-ms': { type: 'string', description: 'added latency per management request' },
  'jitter-ms': { type: 'string', description: 'random extra latency, 0..N ms' },
  'error-rate': { type: 'string', description: 'fraction of requests answered 500/502/503' },
  'non-json-rate': { type: 'string', description: 'fraction answered with an HTML 502 or plain-text 429' },
  'webhook-url': { type: 'string', description: 'deliver audit events to this URL' },
  'webhook-auth': { type: 'string', description: 'none | bearer | apikey | basic | oauth2 (default none)' },
  'webhook-token': { type: 'string', description: 'bearer token' },
  'webhook-api-key-header': { type: 'string', description: 'API key header name (default x-api-key)' },
  'webhook-api-key': { type: 'string', description: 'API key value' },
  'webhook-basic-user': { type: 'string', description: 'basic auth user' },
  'webhook-basic-password': { type: 'string', description: 'basic auth password' },
  'webhook-token-url': { type: 'string', description: 'OAuth2 token URL (client credentials)' },
  'webhook-client-id': { type: 'string', description: 'OAuth2 client id' },
  'webhook-client-secret': { type: 'string', description: 'OAuth2 client secret' },
  'webhook-hmac-secret': { type: 'string', description: 'sign deliveries with x-descope-webhook-s256' },
  'webhook-delay-ms': { type: 'string', description: 'batching delay before each delivery (default 200)' },
  'admin-token': { type: 'string', description: 'require x-emulator-admin-token on /_emulator' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
} as const;

export function emulatorHelp(): string {
  const width = Math.max(...Object.keys(FLAGS).map((name) => name.length)) + 2;
  const lines = Object.entries(FLAGS).map(([name, flag]) => {
    const value = flag.type === 'string' ? ' N' : '';
    return `  --${`${name}${value}`.padEnd(width + 2)} ${flag.description}`;
  });
  return `Usage: descope-sync emulator [options]\n\nRuns a local Descope management API emulator.\n\n${lines.join('\n')}`;
}

export type ParsedFlags = { help: true } | { help: false; options: EmulatorOptions };

export function parseEmulatorFlags(argv: string[]): ParsedFlags {
  let values;
  try {
    values = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new EmulatorUsageError(`${(error as Error).message}\n\n${emulatorHelp()}`);
  }
  if (values.help) return { help: true };
  const num = (name: keyof typeof FLAGS, min: number, max = Number.MAX_SAFE_INTEGER, integer = true) => {
    const raw = values[name];
    if (typeof raw !== 'string') return undefined;
    const value = Number(raw);
    if (
      raw.trim() === '' ||
      !Number.isFinite(value) ||
      value < min ||
      value > max ||
      (integer && !Number.isInteger(value))
    )
      throw new EmulatorUsageError(
        `--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${raw}"`,
      );
    return value;
  };
  const searchRpm = num('search-rpm', 1);
  const options: EmulatorOptions = {
    host: values.host ?? '127.0.0.1',
    port: num('port', 0, 65535) ?? 4000,
    seed: num('seed', 0, 2 ** 32 - 1) ?? 1,
    userCount: num('users', 0, 5_000_000) ?? 1000,
    testUserCount: num('test-users', 0, 1_000_000) ?? 10,
    maxLimit: num('max-limit', 1),
    rateLimits: values['no-rate-limit']
      ? false
      : searchRpm === undefined
        ? undefined
        : { search: { limit: searchRpm, windowMs: 60_000, blockMs: 60_000 } },
    faults: {
      latencyMs: num('latency-ms', 0) ?? 0,
      jitterMs: num('jitter-ms', 0) ?? 0,
      errorRate: num('error-rate', 0, 1, false) ?? 0,
      nonJsonRate: num('non-json-rate', 0, 1, false) ?? 0,
    },
    webhook: {
      url: values['webhook-url'],
      auth: webhookAuth(values),
      hmacSecret: values['webhook-hmac-secret'],
      delayMs: num('webhook-delay-ms', 0),
    },
    adminToken: values['admin-token'],
  };
  return { help: false, options };
}

function webhookAuth(values: Record<string, string | boolean | undefined>): WebhookAuth {
  const text = (name: string): string => {
    const value = values[name];
    if (typeof value !== 'string' || value === '')
      throw new EmulatorUsageError(`--webhook-auth ${String(values['webhook-auth'])} needs --${name}`);
    return value;
  };
  const mode = values['webhook-auth'] ?? 'none';
  switch (mode) {
    case 'none':
      return { type: 'none' };
    case 'bearer':
      return { type: 'bearer', token: text('webhook-token') };
    case 'apikey': {
      const header = values['webhook-api-key-header'];
      return {
        type: 'apikey',
        header: typeof header === 'string' ? header : 'x-api-key',
        key: text('webhook-api-key'),
      };
    }
    case 'basic':
      return { type: 'basic', username: text('webhook-basic-user'), password: text('webhook-basic-password') };
    case 'oauth2':
      return {
        type: 'oauth2',
        tokenUrl: text('webhook-token-url'),
        clientId: text('webhook-client-id'),
        clientSecret: text('webhook-client-secret'),
      };
    default:
      throw new EmulatorUsageError(
        `--webhook-auth must be none, bearer, apikey, basic or oauth2, got "${String(mode)}"`,
      );
  }
}
