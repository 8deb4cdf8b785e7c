import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDuration, settings, type SettingName } from '../../src/config';
import { DEFAULT_OVERLAP_MS } from '../../workflows/messages';

/** The ConfigError loadConfig throws for `env`; fails the test when it does not throw one. */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

const secretNames = (Object.keys(settings) as SettingName[]).filter(
  (name) => (settings[name] as { secret?: boolean }).secret === true,
);

describe('loadConfig defaults', () => {
  it('with an empty environment, uses the documented defaults', () => {
    const config = loadConfig({});
    expect(config.mongo).toEqual({ uri: 'mongodb://127.0.0.1:27017', db: 'descope_sync' });
    expect(config.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'descope-sync' });
    expect(config.webhook.port).toBe(3000);
  });

  it("gives a reconciliation the overlap its workflow assumes when started without one (the Web UI's form)", () => {
    expect(loadConfig({}).reconcile.overlapMs).toBe(DEFAULT_OVERLAP_MS);
  });

  it('with an empty environment, runs in demo mode with no Descope credentials and no webhook auth', () => {
    const config = loadConfig({});
    expect(config.descope.projectId).toBeUndefined();
    expect(config.descope.managementKey).toBeUndefined();
    expect(config.webhook.auth).toBeUndefined();
  });

  it('treats an empty variable as unset, so its default still applies', () => {
    const config = loadConfig({ MONGODB_DB: '', WEBHOOK_PORT: '', RECONCILE_INTERVAL: '', WEBHOOK_TOKEN: '' });
    expect(config.mongo.db).toBe('descope_sync');
    expect(config.webhook.port).toBe(3000);
    expect(config.reconcile.intervalMs).toBe(15 * 60_000);
    expect(config.webhook.token).toBeUndefined();
  });

  it('takes values from the environment over the defaults', () => {
    const config = loadConfig({ MONGODB_DB: 'mirror', WEBHOOK_PORT: '8080', TEMPORAL_NAMESPACE: 'prod' });
    expect(config.mongo.db).toBe('mirror');
    expect(config.webhook.port).toBe(8080);
    expect(config.temporal.namespace).toBe('prod');
  });

  it('keeps event records 30 days unless told otherwise; 0 keeps them forever', () => {
    expect(loadConfig({}).reconcile.eventRetentionMs).toBe(30 * 86_400_000);
    expect(loadConfig({ EVENTS_RETENTION: '7d' }).reconcile.eventRetentionMs).toBe(7 * 86_400_000);
    expect(loadConfig({ EVENTS_RETENTION: '0' }).reconcile.eventRetentionMs).toBe(0);
    expect(configError({ EVENTS_RETENTION: 'a month' }).message).toContain('EVENTS_RETENTION');
  });

  it('keeps every history version unless HISTORY_RETENTION says how long (keep or 0: all)', () => {
    expect(loadConfig({}).reconcile.historyRetentionMs).toBe(0);
    expect(loadConfig({ HISTORY_RETENTION: 'keep' }).reconcile.historyRetentionMs).toBe(0);
    expect(loadConfig({ HISTORY_RETENTION: '0' }).reconcile.historyRetentionMs).toBe(0);
    expect(loadConfig({ HISTORY_RETENTION: '400d' }).reconcile.historyRetentionMs).toBe(400 * 86_400_000);
    expect(configError({ HISTORY_RETENTION: 'forever' }).message).toContain('HISTORY_RETENTION');
  });
});

describe('loadConfig rejects bad values', () => {
  it('when a value is malformed, throws a ConfigError naming the variable', () => {
    expect(() => loadConfig({ WEBHOOK_PORT: '3000x' })).toThrow(ConfigError);
    expect(configError({ WEBHOOK_PORT: '3000x' }).message).toContain('WEBHOOK_PORT');
    expect(configError({ WEBHOOK_PORT: '70000' }).message).toContain('WEBHOOK_PORT');
    expect(configError({ LOG_LEVEL: 'loud' }).message).toContain('LOG_LEVEL');
    expect(configError({ DESCOPE_BASE_URL: 'not a url' }).message).toContain('DESCOPE_BASE_URL');
    expect(configError({ SCHEDULES_APPLY_ON_START: 'maybe' }).message).toContain('SCHEDULES_APPLY_ON_START');
    expect(configError({ SWEEP_MAX_DELETE_FRACTION: '1.5' }).message).toContain('SWEEP_MAX_DELETE_FRACTION');
    expect(configError({ WEBHOOK_PATH: 'webhooks' }).message).toContain('WEBHOOK_PATH');
  });

  it('when several values are malformed, names every one of them', () => {
    const bad = { WEBHOOK_PORT: 'abc', LOG_LEVEL: 'loud', RECONCILE_INTERVAL: 'soon', DESCOPE_SEARCH_RPM: '-1' };
    const message = configError(bad).message;
    for (const name of Object.keys(bad)) expect(message).toContain(name);
    expect(message).not.toContain('MONGODB_DB');
  });

  it('names only the bad variables, whichever they are', () => {
    const malformed: Partial<Record<SettingName, string>> = {
      WEBHOOK_PORT: 'port',
      METRICS_PORT: '-1',
      LOG_LEVEL: 'loud',
      DESCOPE_TIMEOUT: 'later',
      WEBHOOK_MAX_BODY: '0',
      SCHEDULES_APPLY_ON_START: 'perhaps',
    };
    const names = Object.keys(malformed) as SettingName[];
    fc.assert(
      fc.property(fc.subarray(names, { minLength: 1 }), (chosen) => {
        const message = configError(Object.fromEntries(chosen.map((n) => [n, malformed[n] ?? '']))).message;
        for (const name of names) {
          if (chosen.includes(name)) expect(message).toContain(`${name}:`);
          else expect(message).not.toContain(`${name}:`);
        }
      }),
    );
  });
});

describe('durations', () => {
  it('reads 15m, 24h, 30s and 500ms as milliseconds', () => {
    const config = loadConfig({
      RECONCILE_INTERVAL: '15m',
      FULL_SWEEP_INTERVAL: '24h',
      DESCOPE_TIMEOUT: '30s',
      WEBHOOK_START_TIMEOUT: '500ms',
    });
    expect(config.reconcile.intervalMs).toBe(15 * 60_000);
    expect(config.reconcile.fullSweepIntervalMs).toBe(24 * 3_600_000);
    expect(config.descope.timeoutMs).toBe(30_000);
    expect(config.webhook.startTimeoutMs).toBe(500);
  });

  it('reads a bare number as milliseconds, and accepts fractions and days', () => {
    expect(parseDuration('250')).toBe(250);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
  });

  it('rejects anything else, naming the variable', () => {
    for (const value of ['soon', '15 minutes', '-5s', '10w', 'm']) {
      expect(parseDuration(value)).toBeUndefined();
      expect(configError({ RECONCILE_OVERLAP: value }).message).toContain('RECONCILE_OVERLAP');
    }
  });
});

describe('settings that depend on each other', () => {
  it('when DESCOPE_PROJECT_ID is set without the management key, fails naming both', () => {
    const message = configError({ DESCOPE_PROJECT_ID: 'P2abc' }).message;
    expect(message).toContain('DESCOPE_PROJECT_ID');
    expect(message).toContain('DESCOPE_MANAGEMENT_KEY');
  });

  it('when the management key is set without the project id, fails too', () => {
    expect(configError({ DESCOPE_MANAGEMENT_KEY: 'K2key' }).message).toContain('DESCOPE_PROJECT_ID');
  });

  it('with both Descope credentials, targets the real project', () => {
    const config = loadConfig({ DESCOPE_PROJECT_ID: 'P2abc', DESCOPE_MANAGEMENT_KEY: 'K2key' });
    expect(config.descope).toMatchObject({ projectId: 'P2abc', managementKey: 'K2key' });
  });

  it('when WEBHOOK_AUTH=bearer has no WEBHOOK_TOKEN, fails naming WEBHOOK_TOKEN', () => {
    expect(configError({ WEBHOOK_AUTH: 'bearer' }).message).toContain('WEBHOOK_TOKEN');
    expect(loadConfig({ WEBHOOK_AUTH: 'bearer', WEBHOOK_TOKEN: 't0ken' }).webhook.token).toBe('t0ken');
  });

  it('each webhook auth mode requires its own credentials', () => {
    expect(configError({ WEBHOOK_AUTH: 'apikey' }).message).toContain('WEBHOOK_API_KEY');
    const basic = configError({ WEBHOOK_AUTH: 'basic', WEBHOOK_BASIC_PASSWORD: 'pw' }).message;
    expect(basic).toContain('WEBHOOK_BASIC_USER');
    expect(basic).not.toContain('WEBHOOK_BASIC_PASSWORD:');
    expect(configError({ WEBHOOK_AUTH: 'oauth2' }).message).toContain('WEBHOOK_JWKS_URL');
    expect(loadConfig({ WEBHOOK_AUTH: 'none' }).webhook.auth).toBe('none');
  });
});

describe('secrets', () => {
  it('marks the credentials and the MongoDB URI as secret', () => {
    expect(secretNames).toEqual(
      expect.arrayContaining([
        'DESCOPE_MANAGEMENT_KEY',
        'MONGODB_URI',
        'WEBHOOK_TOKEN',
        'WEBHOOK_API_KEY',
        'WEBHOOK_BASIC_PASSWORD',
        'WEBHOOK_HMAC_SECRET',
      ]),
    );
  });

  it('never puts a secret value in the error message, whatever else is wrong', () => {
    // Each problem fails on its own; some involve the secret itself (a key without its project, a password
    // without its user).
    const problems = (secret: string): Record<string, string>[] => [
      { WEBHOOK_PORT: 'abc' },
      { DESCOPE_MANAGEMENT_KEY: secret },
      { WEBHOOK_AUTH: 'basic', WEBHOOK_BASIC_PASSWORD: secret },
      { WEBHOOK_AUTH: 'sideways' },
      { DESCOPE_BASE_URL: 'nope', LOG_LEVEL: 'loud' },
    ];
    const secretValue = fc.string({ minLength: 1 }).map((s) => `S3cr3t-${s}`);
    fc.assert(
      fc.property(
        fc.subarray(secretNames, { minLength: 1 }),
        secretValue,
        fc.nat({ max: 4 }),
        (names, secret, problem) => {
          const env = { ...Object.fromEntries(names.map((name) => [name, secret])), ...problems(secret)[problem] };
          const message = configError(env).message;
          expect(message).not.toContain(secret);
          expect(message).not.toContain('S3cr3t');
        },
      ),
    );
  });
});
