import type { RequestLogEntry } from './http/counters';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmulatorApp } from './app';
import { buildEmulator, type ResetRequest } from './build';
import type { FaultOptions } from './http/faults';
import type { RateLimitConfig, RateLimitRules } from './http/rateLimit';
import type { EmulatorOptions } from './options';
import type { EmulatorUsers } from './programmatic';
import type { AuditEvent } from './types';
import type { ResolvedWebhookOptions, SenderStats, WebhookSenderOptions } from './webhook/options';

export { createEmulatorApp } from './app';
export { buildEmulator } from './build';
export type { EmulatorOptions, EmulatorLogger } from './options';
export type { EmulatorUsers } from './programmatic';
export type { FaultOptions, NonJsonKind } from './http/faults';
export type { RateLimitClass, RateLimitConfig, RateLimitRule, RateLimitRules } from './http/rateLimit';
export type { WebhookAuth, WebhookSenderOptions, RetryOptions, SenderStats } from './webhook/options';
export type { WebhookEvent } from './webhook/payload';
export type {
  AuditAction,
  AuditEvent,
  CustomAttributeValue,
  DescopeUser,
  DescopeUserTenant,
  UserStatus,
} from './types';

export interface RunningEmulator {
  /** Base URL for `DescopeClient({ baseUrl })`, e.g. http://127.0.0.1:41234. */
  url: string;
  projectId: string;
  managementKey: string;
  users: EmulatorUsers;
  faults: { set(changes: Partial<FaultOptions>): void; get(): FaultOptions };
  /** Requests by endpoint class ('search', 'load', 'loadUsers', 'create', 'update', 'delete', 'audit', 'license'). */
  counters: {
    get(): Record<string, Record<string, number>>;
    total(endpoint: string, status?: number): number;
    reset(): void;
    /** Each counted request with its time, oldest first (bounded). */
    log(endpoint?: string): RequestLogEntry[];
  };
  webhook: {
    configure(changes: Partial<WebhookSenderOptions>): void;
    flush(): Promise<void>;
    stats(): SenderStats;
    options(): ResolvedWebhookOptions;
  };
  rateLimits: { configure(config: RateLimitConfig): void; get(): RateLimitRules; reset(): void };
  /** Every audit event produced so far, oldest first. */
  audit: { events(): AuditEvent[] };
  /** Back to the starting state (optionally another seed or count); returns the number of users seeded. */
  reset(request?: ResetRequest): number;
  /** Stops the HTTP server and the webhook sender; leaves no timers or sockets behind. Safe to call twice. */
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const built = buildEmulator(options);
  const { ctx } = built;
  const app = createEmulatorApp(ctx, { users: built.users, resetAll: built.reset, faultDefaults: built.faultDefaults });
  const server = createServer(app);
  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  options.logger?.info(`Descope emulator listening on ${url} (${built.users.count()} users)`);
  let closing: Promise<void> | undefined;
  return {
    url,
    projectId: ctx.projectId,
    managementKey: ctx.managementKey,
    users: built.users,
    faults: { set: (changes) => ctx.faults.set(changes), get: () => ctx.faults.get() },
    counters: {
      get: () => ctx.counters.get(),
      total: (endpoint, status) => ctx.counters.total(endpoint, status),
      reset: () => ctx.counters.reset(),
      log: (endpoint) => ctx.counters.log(endpoint),
    },
    webhook: {
      configure: (changes) => ctx.sender.configure(changes),
      flush: () => ctx.sender.flush(),
      stats: () => ctx.sender.stats(),
      options: () => ctx.sender.current(),
    },
    rateLimits: {
      configure: (config) => ctx.limiter.configure(config),
      get: () => ctx.limiter.current(),
      reset: () => ctx.limiter.reset(),
    },
    audit: { events: () => [...ctx.audit.all()] },
    reset: (request) => built.reset(request),
    close: () => {
      closing ??= (async () => {
        await ctx.sender.close();
        ctx.sleeper.wakeAll();
        await closeServer(server);
      })();
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Keep-alive sockets from SDK clients would hold `close` open indefinitely; they are cut. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
