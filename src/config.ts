import { z } from 'zod';

/**
 * Every setting the product reads from the environment, validated once at start-up.
 * The variable names are part of the product's interface: the README's table is checked against `settings`.
 */

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const fraction = z.coerce.number().min(0).max(1);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
/** Durations like `15m`, `10m`, `24h`, `30s`, `500ms`, or a plain number of milliseconds. */
const duration = z.string().transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as 30s, 15m or 24h, got "${value}"` });
    return z.NEVER;
  }
  return ms;
});

/** A retention: `keep` (or 0) keeps everything, otherwise a duration. */
const retention = z.string().transform((value, ctx) => {
  if (value.trim() === 'keep') return 0;
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected keep or a duration such as 90d, got "${value}"` });
    return z.NEVER;
  }
  return ms;
});

interface Setting {
  schema: z.ZodType;
  default?: string;
  description: string;
  secret?: boolean;
}

export const settings = {
  DESCOPE_PROJECT_ID: {
    schema: z.string().min(1).optional(),
    description: 'Descope project id. Unset: demo mode on the local emulator.',
  },
  DESCOPE_MANAGEMENT_KEY: {
    schema: z.string().min(1).optional(),
    description: 'Descope management key (secret).',
    secret: true,
  },
  DESCOPE_BASE_URL: {
    schema: z.url().optional(),
    description: "Descope API base URL (regional projects, or the local emulator). Default: the SDK's.",
  },
  DESCOPE_SEARCH_RPM: {
    schema: positiveInt,
    default: '150',
    description: 'Search requests per minute shared by all workers (Descope allows 200).',
  },
  DESCOPE_LOAD_RPM: {
    schema: positiveInt,
    default: '150',
    description: 'Load-user requests per minute shared by all workers.',
  },
  DESCOPE_TIMEOUT: { schema: duration, default: '30s', description: 'Timeout of one Descope request.' },
  INCLUDE_TEST_USERS: {
    schema: bool,
    default: 'false',
    description:
      'Sync Descope test users too: scans and events store them, sweeps delete them. When false none is stored.',
  },
  MONGODB_URI: {
    schema: z.string().min(1),
    default: 'mongodb://127.0.0.1:27017',
    description: 'MongoDB connection string.',
    secret: true,
  },
  MONGODB_DB: { schema: z.string().min(1), default: 'descope_sync', description: 'MongoDB database name.' },
  TEMPORAL_ADDRESS: {
    schema: z.string().min(1),
    default: '127.0.0.1:7233',
    description: 'Temporal frontend host:port.',
  },
  TEMPORAL_NAMESPACE: { schema: z.string().min(1), default: 'default', description: 'Temporal namespace.' },
  TEMPORAL_TASK_QUEUE: {
    schema: z.string().min(1),
    default: 'descope-sync',
    description: 'Task queue of the workflows and MongoDB activities.',
  },
  WEBHOOK_PORT: { schema: port, default: '3000', description: 'Port of the webhook server.' },
  WEBHOOK_HOST: { schema: z.string().min(1), default: '0.0.0.0', description: 'Address the webhook server binds.' },
  WEBHOOK_PATH: {
    schema: z.string().startsWith('/'),
    default: '/webhooks/descope',
    description: 'Path of the audit webhook endpoint.',
  },
  WEBHOOK_AUTH: {
    schema: z.enum(['none', 'bearer', 'apikey', 'basic', 'oauth2']).optional(),
    description: 'Webhook authentication: none, bearer, apikey, basic or oauth2. Required by the webhook server.',
  },
  WEBHOOK_TOKEN: {
    schema: z.string().min(1).optional(),
    description: 'Bearer token (WEBHOOK_AUTH=bearer).',
    secret: true,
  },
  WEBHOOK_API_KEY_HEADER: {
    schema: z.string().min(1),
    default: 'x-api-key',
    description: 'Header carrying the API key (WEBHOOK_AUTH=apikey).',
  },
  WEBHOOK_API_KEY: {
    schema: z.string().min(1).optional(),
    description: 'API key (WEBHOOK_AUTH=apikey).',
    secret: true,
  },
  WEBHOOK_BASIC_USER: { schema: z.string().min(1).optional(), description: 'Basic auth user (WEBHOOK_AUTH=basic).' },
  WEBHOOK_BASIC_PASSWORD: {
    schema: z.string().min(1).optional(),
    description: 'Basic auth password (WEBHOOK_AUTH=basic).',
    secret: true,
  },
  WEBHOOK_JWKS_URL: {
    schema: z.url().optional(),
    description: 'JWKS URL verifying OAuth2 bearer JWTs (WEBHOOK_AUTH=oauth2).',
  },
  WEBHOOK_JWT_ISSUER: {
    schema: z.string().min(1).optional(),
    description: 'Required JWT issuer (WEBHOOK_AUTH=oauth2).',
  },
  WEBHOOK_JWT_AUDIENCE: {
    schema: z.string().min(1).optional(),
    description: 'Required JWT audience (WEBHOOK_AUTH=oauth2).',
  },
  WEBHOOK_HMAC_SECRET: {
    schema: z.string().min(1).optional(),
    description: 'When set, x-descope-webhook-s256 is mandatory and verified.',
    secret: true,
  },
  WEBHOOK_MAX_BODY: {
    schema: positiveInt,
    default: '1048576',
    description: 'Largest accepted webhook body, in bytes.',
  },
  WEBHOOK_MAX_EVENTS: { schema: positiveInt, default: '1000', description: 'Most events accepted in one delivery.' },
  WEBHOOK_START_TIMEOUT: {
    schema: duration,
    default: '5s',
    description: 'How long a delivery waits for Temporal before answering 503.',
  },
  RECONCILE_INTERVAL: {
    schema: duration,
    default: '15m',
    description: 'Interval of the incremental reconciliation schedule.',
  },
  RECONCILE_OVERLAP: {
    schema: duration,
    default: '10m',
    description: 'How far before the watermark a reconciliation re-reads.',
  },
  FULL_SWEEP_INTERVAL: {
    schema: duration,
    default: '24h',
    description: 'Interval of the full deletion sweep schedule.',
  },
  SWEEP_MAX_DELETE_FRACTION: {
    schema: fraction,
    default: '0.1',
    description: 'A sweep refuses to tombstone more than this fraction of stored users (but see SWEEP_MIN_DELETE).',
  },
  SWEEP_MIN_DELETE: {
    schema: z.coerce.number().int().min(0),
    default: '10',
    description: 'A sweep may always tombstone up to this many users, whatever the fraction (small projects).',
  },
  EVENTS_RETENTION: {
    schema: duration,
    default: '30d',
    description:
      'How long applied-event records stay in `events`; each deletion sweep drops older ones (0 keeps them).',
  },
  HISTORY_RETENTION: {
    schema: retention,
    default: 'keep',
    description:
      'How long superseded versions stay in `user_history`; each deletion sweep drops older ones (keep: all).',
  },
  AUDIT_FEED_INTERVAL: {
    schema: duration,
    default: '1m',
    description: 'How often the audit feed reads Descope audit search for user changes (0 turns the feed off).',
  },
  AUDIT_FEED_OVERLAP: {
    schema: duration,
    default: '5m',
    description: 'How far behind its cursor the audit feed re-reads, for records audit search indexes late.',
  },
  SCHEDULES_APPLY_ON_START: {
    schema: bool,
    default: 'true',
    description: 'Create or update the schedules when the worker starts.',
  },
  LOG_LEVEL: {
    schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']),
    default: 'info',
    description: 'Log level.',
  },
  METRICS_PORT: {
    schema: port,
    default: '9464',
    description: 'Port of the worker Prometheus /metrics endpoint (0 disables it).',
  },
  TEMPORAL_METRICS_PORT: {
    schema: port,
    default: '0',
    description: "Port of the Temporal SDK's own Prometheus /metrics: pollers, slots, latencies (0 disables it).",
  },
} satisfies Record<string, Setting>;

export type SettingName = keyof typeof settings;

type Parsed = { [K in SettingName]: z.output<(typeof settings)[K]['schema']> };

/** The settings grouped by the part that reads them; its type follows from the schemas above. */
export type Config = ReturnType<typeof grouped>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment once. Throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const values: Partial<Record<SettingName, unknown>> = {};
  const problems: string[] = [];
  for (const [name, setting] of Object.entries(settings) as [SettingName, Setting][]) {
    // Empty counts as unset (compose's `${VAR}` of an unset VAR), so the default still applies.
    const raw = env[name] || setting.default;
    const result = setting.schema.safeParse(raw);
    if (result.success) values[name] = result.data;
    else problems.push(`${name}: ${result.error.issues.map((i) => i.message).join('; ')}`);
  }
  const v = values as Parsed;
  if (problems.length === 0) problems.push(...crossChecks(v));
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return grouped(v);
}

function grouped(v: Parsed) {
  return {
    descope: {
      projectId: v.DESCOPE_PROJECT_ID,
      managementKey: v.DESCOPE_MANAGEMENT_KEY,
      baseUrl: v.DESCOPE_BASE_URL,
      searchRpm: v.DESCOPE_SEARCH_RPM,
      loadRpm: v.DESCOPE_LOAD_RPM,
      timeoutMs: v.DESCOPE_TIMEOUT,
      includeTestUsers: v.INCLUDE_TEST_USERS,
    },
    mongo: { uri: v.MONGODB_URI, db: v.MONGODB_DB },
    temporal: { address: v.TEMPORAL_ADDRESS, namespace: v.TEMPORAL_NAMESPACE, taskQueue: v.TEMPORAL_TASK_QUEUE },
    webhook: {
      port: v.WEBHOOK_PORT,
      host: v.WEBHOOK_HOST,
      path: v.WEBHOOK_PATH,
      auth: v.WEBHOOK_AUTH,
      token: v.WEBHOOK_TOKEN,
      apiKeyHeader: v.WEBHOOK_API_KEY_HEADER,
      apiKey: v.WEBHOOK_API_KEY,
      basicUser: v.WEBHOOK_BASIC_USER,
      basicPassword: v.WEBHOOK_BASIC_PASSWORD,
      jwksUrl: v.WEBHOOK_JWKS_URL,
      jwtIssuer: v.WEBHOOK_JWT_ISSUER,
      jwtAudience: v.WEBHOOK_JWT_AUDIENCE,
      hmacSecret: v.WEBHOOK_HMAC_SECRET,
      maxBodyBytes: v.WEBHOOK_MAX_BODY,
      maxEvents: v.WEBHOOK_MAX_EVENTS,
      startTimeoutMs: v.WEBHOOK_START_TIMEOUT,
    },
    reconcile: {
      intervalMs: v.RECONCILE_INTERVAL,
      overlapMs: v.RECONCILE_OVERLAP,
      fullSweepIntervalMs: v.FULL_SWEEP_INTERVAL,
      maxDeleteFraction: v.SWEEP_MAX_DELETE_FRACTION,
      minDelete: v.SWEEP_MIN_DELETE,
      eventRetentionMs: v.EVENTS_RETENTION,
      /** 0: keep every version. */
      historyRetentionMs: v.HISTORY_RETENTION,
      applySchedulesOnStart: v.SCHEDULES_APPLY_ON_START,
    },
    auditFeed: { intervalMs: v.AUDIT_FEED_INTERVAL, overlapMs: v.AUDIT_FEED_OVERLAP },
    logLevel: v.LOG_LEVEL,
    metricsPort: v.METRICS_PORT,
    temporalMetricsPort: v.TEMPORAL_METRICS_PORT,
  };
}

function crossChecks(v: Parsed): string[] {
  const problems: string[] = [];
  if (Boolean(v.DESCOPE_PROJECT_ID) !== Boolean(v.DESCOPE_MANAGEMENT_KEY)) {
    problems.push('DESCOPE_PROJECT_ID and DESCOPE_MANAGEMENT_KEY: set both (a real project) or neither (demo mode)');
  }
  const needs: Record<string, SettingName[]> = {
    bearer: ['WEBHOOK_TOKEN'],
    apikey: ['WEBHOOK_API_KEY'],
    basic: ['WEBHOOK_BASIC_USER', 'WEBHOOK_BASIC_PASSWORD'],
    oauth2: ['WEBHOOK_JWKS_URL'],
  };
  for (const name of needs[v.WEBHOOK_AUTH ?? ''] ?? []) {
    if (!v[name]) problems.push(`${name}: required when WEBHOOK_AUTH=${v.WEBHOOK_AUTH}`);
  }
  return problems;
}

export function parseDuration(value: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value);
  if (!match) return undefined;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return Math.round(Number(match[1]) * (units[match[2] ?? 'ms'] ?? 1));
}
