import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settings } from '../../src/config';

type Yaml = string | Yaml[] | { [key: string]: Yaml };

/**
 * Just enough YAML for docker-compose.yml: block mappings and sequences by indentation, `#` comments, quoted or
 * plain scalars. Flow sequences (`[...]`, on one line or several) stay raw strings; anchors and multi-line
 * scalars are not supported.
 */
function parseYaml(text: string): Yaml {
  const lines = text
    .split('\n')
    .map((raw) => ({ indent: raw.search(/\S/), text: stripComment(raw).trim() }))
    .filter((line) => line.indent >= 0 && line.text !== '');
  let i = 0;
  const flow = (first: string): string => {
    let raw = first;
    while (depth(raw) > 0 && lines[i] !== undefined) raw += ` ${lines[i++]?.text}`;
    return raw;
  };
  const block = (indent: number): Yaml => {
    if (lines[i]?.text.startsWith('- ')) {
      const items: Yaml[] = [];
      while (lines[i]?.indent === indent && lines[i]?.text.startsWith('- ')) {
        items.push(scalar(lines[i++]?.text.slice(2) ?? ''));
      }
      return items;
    }
    const map: { [key: string]: Yaml } = {};
    while (lines[i]?.indent === indent) {
      const line = lines[i++]?.text ?? '';
      const colon = line.search(/:(\s|$)/);
      if (colon === -1) throw new Error(`unsupported YAML line: ${line}`);
      const rest = line.slice(colon + 1).trim();
      const next = lines[i];
      const key = scalar(line.slice(0, colon));
      if (rest.startsWith('[')) map[key] = flow(rest);
      else if (rest !== '') map[key] = scalar(rest);
      else if (next && next.indent > indent && next.text.startsWith('[')) map[key] = flow(lines[i++]?.text ?? '');
      else map[key] = next && next.indent > indent ? block(next.indent) : '';
    }
    return map;
  };
  return block(lines[0]?.indent ?? 0);
}

/** How many `[` are still open in a flow sequence, brackets inside quotes aside. */
function depth(text: string): number {
  let open = 0;
  let quote: string | undefined;
  for (const ch of text) {
    if (quote) quote = ch === quote ? undefined : quote;
    else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '[') open++;
    else if (ch === ']') open--;
  }
  return open;
}

/** Drops a `#` comment that starts a line or follows whitespace, outside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) quote = ch === quote ? undefined : quote;
    else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) return line.slice(0, i);
  }
  return line;
}

function scalar(text: string): string {
  const quoted = /^'(.*)'$/.exec(text) ?? /^"(.*)"$/.exec(text);
  return quoted ? (quoted[1] ?? '') : text;
}

function mapping(value: Yaml | undefined, what: string): { [key: string]: Yaml } {
  if (value === undefined || typeof value === 'string' || Array.isArray(value))
    throw new Error(`${what} is not a mapping`);
  return value;
}

const compose = mapping(parseYaml(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')), 'file');
const services = mapping(compose.services, 'services');
const environmentOf = (service: string) =>
  mapping(mapping(services[service], service).environment, `${service}.environment`);

describe('the YAML subset parser', () => {
  it('reads nested mappings, sequences, quotes and comments', () => {
    const parsed = parseYaml('a:\n  b: \'x # y\' # note\n  c:\n    - 1\n    - "two"\n# gone\nd: [e, f]\n');
    expect(parsed).toEqual({ a: { b: 'x # y', c: ['1', 'two'] }, d: '[e, f]' });
  });
});

describe('docker-compose.yml', () => {
  it('runs MongoDB, Temporal, and the worker and webhook commands built from the Dockerfile', () => {
    expect(Object.keys(services).sort()).toEqual(['mongodb', 'temporal', 'webhook', 'worker']);
    for (const name of ['worker', 'webhook']) {
      const service = mapping(services[name], name);
      expect(service.build).toBe('.');
      expect(service.command).toBe(`['${name}']`);
    }
  });

  it('starts MongoDB as a replica set that the healthcheck initiates', () => {
    const mongodb = mapping(services.mongodb, 'mongodb');
    expect(mongodb.image).toMatch(/^mongo:7/);
    expect(mongodb.command).toContain('--replSet');
    expect(JSON.stringify(mapping(mongodb.healthcheck, 'healthcheck').test)).toContain('rs.initiate');
  });

  for (const service of ['worker', 'webhook']) {
    it(`sets only variables that src/config.ts reads on the ${service}`, () => {
      const unknown = Object.keys(environmentOf(service)).filter((name) => !(name in settings));
      expect(unknown, 'not settings of src/config.ts (a typo, or a renamed variable)').toEqual([]);
    });

    it(`gives the ${service} its Descope project, MongoDB and Temporal`, () => {
      const env = environmentOf(service);
      for (const name of ['DESCOPE_PROJECT_ID', 'DESCOPE_MANAGEMENT_KEY', 'MONGODB_URI', 'TEMPORAL_ADDRESS']) {
        expect(env[name], name).toBeTruthy();
      }
      expect(env.DESCOPE_PROJECT_ID).toMatch(/^\$\{DESCOPE_PROJECT_ID:\?.+\}$/);
      expect(env.DESCOPE_MANAGEMENT_KEY).toMatch(/^\$\{DESCOPE_MANAGEMENT_KEY:\?.+\}$/);
      expect(env.MONGODB_URI).toBe('mongodb://mongodb:27017/?replicaSet=rs0');
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    });
  }

  it('sets WEBHOOK_AUTH on the webhook, and its port matches the published one', () => {
    const env = environmentOf('webhook');
    expect(env.WEBHOOK_AUTH).toBeTruthy();
    expect(JSON.stringify(mapping(services.webhook, 'webhook').ports)).toContain(`:${env.WEBHOOK_PORT}`);
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
