import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { createWebhookApp } from '../../src/webhook/app.js';
import type { EventSink, SinkReadiness, SinkResult, SinkWork } from '../../src/webhook/types.js';

export const WEBHOOK_PATH = '/webhooks/descope';
export const NOW = 1_780_950_000_000;
/** The project the test app is configured for: auditEvent() belongs to it. */
export const PROJECT_ID = 'P2abc';

export const baseConfig: Config['webhook'] = {
  port: 0,
  host: '127.0.0.1',
  path: WEBHOOK_PATH,
  auth: 'none',
  token: undefined,
  apiKeyHeader: 'x-api-key',
  apiKey: undefined,
  basicUser: undefined,
  basicPassword: undefined,
  jwksUrl: undefined,
  jwtIssuer: undefined,
  jwtAudience: undefined,
  hmacSecret: undefined,
  maxBodyBytes: 1_048_576,
  maxEvents: 1000,
  startTimeoutMs: 200,
};

/** Records every submission; `respond` decides what the sink answers (by default: everything started). */
export class RecordingSink implements EventSink {
  readonly calls: SinkWork[] = [];
  readonly signals: AbortSignal[] = [];
  readiness: SinkReadiness | Error = { temporal: true, mongo: true };
  respond: (work: SinkWork, signal: AbortSignal) => Promise<SinkResult> = (work) =>
    Promise.resolve({ started: work.applies.length + work.windows.length, duplicates: 0 });

  submit(work: SinkWork, signal: AbortSignal): Promise<SinkResult> {
    this.calls.push(work);
    this.signals.push(signal);
    return this.respond(work, signal);
  }

  ready(): Promise<SinkReadiness> {
    return this.readiness instanceof Error ? Promise.reject(this.readiness) : Promise.resolve(this.readiness);
  }
}

/** A pino logger writing into memory, so tests can read exactly what would reach the log. */
export function memoryLogger(): { logger: Logger; output: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), output: () => chunks.join('') };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export interface TestApp {
  url: string;
  sink: RecordingSink;
  logs: () => string;
  post(body: unknown, headers?: Record<string, string>): Promise<Reply>;
  request(path: string, init?: RequestInit): Promise<Reply>;
  close(): Promise<void>;
}

export interface StartOptions {
  sink?: RecordingSink;
  registry?: Registry;
}

/** Starts the real app on 127.0.0.1 and an ephemeral port. */
export async function startApp(
  overrides: Partial<Config['webhook']> = {},
  options: StartOptions = {},
): Promise<TestApp> {
  const sink = options.sink ?? new RecordingSink();
  const { logger, output } = memoryLogger();
  const app = createWebhookApp({
    config: { ...baseConfig, ...overrides },
    sink,
    logger,
    projectId: PROJECT_ID,
    now: () => NOW,
    ...(options.registry ? { registry: options.registry } : {}),
  });
  const server = createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const request = (path: string, init?: RequestInit) => fetch(url + path, init).then(toReply);
  return {
    url,
    sink,
    logs: output,
    request,
    post: (body, headers = {}) =>
      request(WEBHOOK_PATH, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
      }),
    close: () => closeServer(server),
  };
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

async function toReply(response: Response): Promise<Reply> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** An audit record shaped like the ones receivers report from real deliveries (DESCOPE_API.md). */
export function auditEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    action: 'UserModified',
    type: 'info',
    projectId: PROJECT_ID,
    userId: 'U2b2Jq9PXd6OBWIe7jOJ8aFbouGy',
    actorId: 'K2mgmt',
    occurred: 1780949905871,
    occurred_formatted: '2026-06-08T20:18:25.871835Z',
    device: 'Unknown',
    method: '',
    geo: 'US',
    remoteAddress: '203.0.113.7',
    loginIds: ['jane@example.com'],
    tenants: null,
    data: { Change: { name: 'Jane Q. Doe' } },
    ...overrides,
  };
}

export function errorCode(reply: Reply): unknown {
  return (reply.json as { error?: { code?: unknown } } | undefined)?.error?.code;
}

export function errorMessage(reply: Reply): string {
  const message = (reply.json as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof message === 'string' ? message : '';
}
