import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import DescopeClient from '@descope/node-sdk';
import { expect, vi } from 'vitest';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator';

export type Sdk = ReturnType<typeof DescopeClient>;

/** A clock tests move by hand: time-based behaviour without sleeping. */
export class ManualClock {
  constructor(public ms = 1_790_000_000_000) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Starts emulators and closes them all in `afterEach`. */
export class Emulators {
  private running: RunningEmulator[] = [];

  async start(options: EmulatorOptions = {}): Promise<RunningEmulator> {
    const emulator = await startEmulator({ rateLimits: false, ...options });
    this.running.push(emulator);
    return emulator;
  }

  async closeAll(): Promise<void> {
    const running = this.running;
    this.running = [];
    await Promise.all(running.map((emulator) => emulator.close()));
  }
}

/**
 * The official SDK pointed at the emulator. The SDK fires its licence handshake on construction without
 * awaiting it; waiting for it here keeps it out of later request counts and one-shot faults.
 */
export async function connect(emulator: RunningEmulator, managementKey = emulator.managementKey): Promise<Sdk> {
  const before = emulator.counters.total('license');
  const client = DescopeClient({ projectId: emulator.projectId, managementKey, baseUrl: emulator.url });
  await vi.waitFor(() => expect(emulator.counters.total('license')).toBe(before + 1), { timeout: 10_000 });
  return client;
}

/** A management call without the SDK, to see raw status, headers and bodies. */
export async function rawCall(
  emulator: RunningEmulator,
  path: string,
  body?: unknown,
  options: { method?: string; auth?: string | null } = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const auth = options.auth === undefined ? `Bearer ${emulator.projectId}:${emulator.managementKey}` : options.auth;
  const response = await fetch(`${emulator.url}${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { ...(auth ? { authorization: auth } : {}), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as unknown };
}

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  body: unknown;
}

type Reply = { status: number; headers?: Record<string, string>; body?: string };

/** A real HTTP server on 127.0.0.1 recording exactly what arrives; `reply` decides each answer. */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  reply: (request: ReceivedRequest) => Reply = () => ({ status: 200, body: '{}' });
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<Receiver> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const receiver = new Receiver(server, `http://127.0.0.1:${port}/hook`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => receiver.handle(req, res));
    return receiver;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const json = raw.length > 0 && req.headers['content-type'] === 'application/json';
      const request = {
        path: req.url ?? '',
        headers: req.headers,
        raw,
        body: json ? (JSON.parse(raw.toString('utf8')) as unknown) : undefined,
      };
      this.requests.push(request);
      const reply = this.reply(request);
      res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
    });
  }

  /** The webhook POSTs, leaving out calls to other paths such as an OAuth2 token endpoint. */
  deliveries(): ReceivedRequest[] {
    return this.requests.filter((request) => request.path === '/hook');
  }

  /** Every event received, in arrival order, across all POSTs. */
  events(): Record<string, unknown>[] {
    return this.deliveries().flatMap((request) => request.body as Record<string, unknown>[]);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** The documented user shape: every field present, nothing else. */
export const USER_FIELDS = [
  ...'userId loginIds externalIds email phone name givenName middleName familyName picture verifiedEmail'.split(' '),
  ...'verifiedPhone roleNames userTenants permissions status test editable customAttributes createdTime'.split(' '),
  ...'modifiedTime TOTP SAML SCIM OIDC push OAuth webauthn password ssoAppIds'.split(' '),
].sort();
