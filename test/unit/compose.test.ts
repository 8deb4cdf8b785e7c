import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, settings, type SettingName } from '../../src/config';
import { createAuthenticator } from '../../src/webhook/auth';

interface Service {
  build?: string;
  command?: string[];
  image?: string;
  ports?: string[];
  healthcheck?: { test: string[] };
  environment: Record<string, string>;
}

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as {
  services: Record<string, Service>;
};
const services = compose.services;
const environmentOf = (service: string) => services[service]?.environment ?? {};

/**
 * Settings a service deliberately does not get, each with the reason. Every other setting of src/config.ts
 * must reach the service: a setting added there fails this test until compose passes it or this list says why.
 */
const leftOut: Record<'worker' | 'webhook', Partial<Record<SettingName, string>>> = {
  worker: Object.fromEntries(
    (Object.keys(settings) as SettingName[])
      .filter((name) => name.startsWith('WEBHOOK_'))
      .map((name) => [name, 'a webhook server setting: the worker serves no webhook']),
  ),
  webhook: {
    DESCOPE_SEARCH_RPM: 'the webhook sends no Descope request: it starts workflows, the worker reads Descope',
    DESCOPE_LOAD_RPM: 'the webhook sends no Descope request: it starts workflows, the worker reads Descope',
    DESCOPE_TIMEOUT: 'the webhook sends no Descope request: it starts workflows, the worker reads Descope',
    RECONCILE_INTERVAL: 'a schedule setting: the worker applies the schedules',
    FULL_SWEEP_INTERVAL: 'a schedule setting: the worker applies the schedules',
    SWEEP_MIN_DELETE: 'a schedule setting: the worker applies the schedules (window events carry no minimum)',
    SCHEDULES_APPLY_ON_START: 'a schedule setting: the worker applies the schedules',
    EVENTS_RETENTION: "the worker's sweep activity prunes the event records",
    HISTORY_RETENTION: "the worker's sweep activity prunes the user history",
    AUDIT_FEED_INTERVAL: 'the worker starts the audit feed',
    AUDIT_FEED_OVERLAP: 'the worker starts the audit feed',
    METRICS_PORT: 'the worker metrics port: the webhook serves /metrics on WEBHOOK_PORT',
    TEMPORAL_METRICS_PORT: "the Temporal SDK's worker metrics: the webhook runs no Temporal worker",
  },
};

/**
 * What Compose makes of `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}` and `${VAR?message}`
 * given the host's environment; undefined where Compose would refuse to start, naming `refused`.
 */
function interpolate(value: string, host: Record<string, string>, refused: string[]): string {
  return value.replace(
    /\$\{(\w+)(?:(:?)([-?])([^}]*))?\}/g,
    (_, name: string, colon: string, op: string, arg: string) => {
      const set = colon ? Boolean(host[name]) : host[name] !== undefined;
      if (set) return host[name] ?? '';
      if (op === '?') refused.push(name);
      return op === '-' ? arg : '';
    },
  );
}

/** The variables a service's environment guards with `${VAR:?...}`: Compose refuses to start without them. */
function requiredOf(service: string): string[] {
  return Object.values(environmentOf(service)).flatMap((v) =>
    [...String(v).matchAll(/\$\{(\w+):\?[^}]+\}/g)].map((m) => m[1] ?? ''),
  );
}

describe('docker-compose.yml', () => {
  it('runs MongoDB, Temporal, and the worker and webhook commands built from the Dockerfile', () => {
    expect(Object.keys(services).sort()).toEqual(['mongodb', 'temporal', 'webhook', 'worker']);
    for (const name of ['worker', 'webhook']) {
      expect(services[name]?.build).toBe('.');
      expect(services[name]?.command).toEqual([name]);
    }
  });

  it('starts MongoDB as a replica set that the healthcheck initiates', () => {
    const mongodb = services.mongodb;
    expect(mongodb?.image).toMatch(/^mongo:7/);
    expect(mongodb?.command).toContain('--replSet');
    expect(JSON.stringify(mongodb?.healthcheck?.test)).toContain('rs.initiate');
  });

  for (const service of ['worker', 'webhook'] as const) {
    it(`sets only variables that src/config.ts reads on the ${service}`, () => {
      const unknown = Object.keys(environmentOf(service)).filter((name) => !(name in settings));
      expect(unknown, 'not settings of src/config.ts (a typo, or a renamed variable)').toEqual([]);
    });

    it(`passes every setting the ${service} reads, leaving out only those listed with a reason (review O1)`, () => {
      const env = environmentOf(service);
      const missing = Object.keys(settings).filter((name) => !(name in env) && !(name in leftOut[service]));
      expect(missing, `settings that never reach the ${service}: pass them in docker-compose.yml`).toEqual([]);
      const listedButSet = Object.keys(leftOut[service]).filter((name) => name in env || !(name in settings));
      expect(listedButSet, 'left out, yet set (or no setting at all)').toEqual([]);
    });

    it(`gives the ${service} its Descope project, MongoDB and Temporal`, () => {
      const env = environmentOf(service);
      expect(env.DESCOPE_PROJECT_ID).toMatch(/^\$\{DESCOPE_PROJECT_ID:\?.+\}$/);
      expect(env.DESCOPE_MANAGEMENT_KEY).toMatch(/^\$\{DESCOPE_MANAGEMENT_KEY:\?.+\}$/);
      expect(env.MONGODB_URI).toBe('mongodb://mongodb:27017/?replicaSet=rs0');
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    });

    it(`starts the ${service} when exactly the guarded variables are set, and refuses without them`, () => {
      const required = requiredOf(service);
      const host = Object.fromEntries(required.map((name) => [name, `set-${name.toLowerCase()}`]));
      const refused: string[] = [];
      const env = Object.fromEntries(
        Object.entries(environmentOf(service)).map(([name, value]) => [
          name,
          interpolate(String(value), host, refused),
        ]),
      );
      expect(refused).toEqual([]);
      // What the process checks before connecting to anything: the settings, and the webhook's authentication.
      const config = loadConfig(env);
      if (service === 'webhook')
        expect(() => createAuthenticator(config.webhook, pino({ level: 'silent' }))).not.toThrow();
      const none: string[] = [];
      for (const value of Object.values(environmentOf(service))) interpolate(String(value), {}, none);
      expect(new Set(none)).toEqual(new Set(required));
    });
  }

  it('guards WEBHOOK_TOKEN like the Descope secrets, since WEBHOOK_AUTH defaults to bearer (review O1)', () => {
    const env = environmentOf('webhook');
    expect(env.WEBHOOK_AUTH).toBe('${WEBHOOK_AUTH:-bearer}');
    expect(env.WEBHOOK_TOKEN).toMatch(/^\$\{WEBHOOK_TOKEN:\?.*bearer token.*\}$/);
    expect(requiredOf('webhook').sort()).toEqual(['DESCOPE_MANAGEMENT_KEY', 'DESCOPE_PROJECT_ID', 'WEBHOOK_TOKEN']);
  });

  it('publishes the webhook port it listens on, on all interfaces', () => {
    const env = environmentOf('webhook');
    expect(JSON.stringify(services.webhook?.ports)).toContain(`:${env.WEBHOOK_PORT}`);
    expect(env.WEBHOOK_HOST).toBe('0.0.0.0');
  });

  it('interpolates each variable from the variable of the same name', () => {
    for (const service of ['worker', 'webhook']) {
      for (const [name, value] of Object.entries(environmentOf(service))) {
        const from = /^\$\{(\w+)/.exec(String(value))?.[1];
        if (from !== undefined) expect(from, `${service}.${name}`).toBe(name);
      }
    }
  });
});
