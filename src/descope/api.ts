import DescopeClient from '@descope/node-sdk';
import type { DescopeUser } from '../store/types';
import { classifyHttpError, DescopeError, DescopeUnavailableError, USER_NOT_FOUND_CODES } from './errors';

export interface SearchRequest {
  page?: number;
  /** A row offset; when above 0 Descope uses it instead of `page * limit`. */
  offset?: number;
  limit?: number;
  sort?: { field: string; desc?: boolean }[];
  fromCreatedTime?: number;
  toCreatedTime?: number;
  fromModifiedTime?: number;
  toModifiedTime?: number;
  withTestUser?: boolean;
  userIds?: string[];
}

export interface SearchPage {
  users: DescopeUser[];
  total: number;
}

/** The Descope calls the sync needs, over the official SDK, with every failure turned into a DescopeError. */
export interface DescopeApi {
  searchUsers(request: SearchRequest): Promise<SearchPage>;
  /** The user, or undefined when Descope says it does not exist. */
  loadUser(userId: string): Promise<DescopeUser | undefined>;
  loadUsers(userIds: string[]): Promise<DescopeUser[]>;
}

/** `POST /v1/mgmt/audit/search`: `from`/`to` epoch ms (`from` at most 30 days back), newest first. */
export interface AuditSearchRequest {
  from: number;
  to: number;
  actions: string[];
  /** Records per page: Descope's maximum is 1,000. */
  size: number;
  /** 0-based page of `size` records. */
  page: number;
}

/** An audit record as the SDK returns it: `occurred` parsed to epoch ms, `externalIds` renamed `loginIds`. */
export type AuditRecord = Record<string, unknown> & { action?: unknown; occurred?: unknown; ID?: unknown };

export interface AuditPage {
  audits: AuditRecord[];
  total: number;
}

/** Descope's audit search (10 requests a minute), read by the audit feed. */
export interface AuditApi {
  searchAudit(request: AuditSearchRequest): Promise<AuditPage>;
}

type Sdk = ReturnType<typeof DescopeClient>;
interface SdkResult<T> {
  ok: boolean;
  code?: number;
  data?: T;
  error?: { errorCode?: string; errorDescription?: string; errorMessage?: string; retryAfter?: string | number };
}

export function createDescopeApi(options: {
  projectId: string;
  managementKey: string;
  baseUrl?: string;
  timeoutMs: number;
}): DescopeApi & AuditApi {
  const sdk: Sdk = DescopeClient({
    projectId: options.projectId,
    managementKey: options.managementKey,
    baseUrl: options.baseUrl,
    fetch: guardedFetch(options.timeoutMs),
    logger: { log: () => {}, debug: () => {}, warn: () => {}, error: () => {} },
  });
  const user = sdk.management.user;
  return {
    async searchUsers(request) {
      const res = (await call('search users', () => user.search(request))) as SdkResult<SearchPage>;
      const data = unwrap(res, 'search users');
      return { users: (data.users ?? []) as DescopeUser[], total: data.total ?? 0 };
    },
    async loadUser(userId) {
      const res = (await call('load user', () => user.loadByUserId(userId))) as SdkResult<DescopeUser>;
      if (!res.ok && USER_NOT_FOUND_CODES.has(res.error?.errorCode ?? '')) return undefined;
      return unwrap(res, 'load user');
    },
    async loadUsers(userIds) {
      const res = (await call('load users', () => user.loadUsers(userIds))) as SdkResult<DescopeUser[]>;
      if (!res.ok && USER_NOT_FOUND_CODES.has(res.error?.errorCode ?? '')) return [];
      const data = unwrap(res, 'load users') as DescopeUser[] | { users?: DescopeUser[] };
      return Array.isArray(data) ? data : (data.users ?? []);
    },
    async searchAudit(request) {
      // searchAll sends every option it is given (size and page too, which the SDK's type leaves out) and keeps
      // each record's fields, ID included.
      const options = request as Parameters<Sdk['management']['audit']['searchAll']>[0];
      const res = (await call('audit search', () => sdk.management.audit.searchAll(options))) as SdkResult<AuditPage>;
      const data = unwrap(res, 'audit search');
      return { audits: data.audits ?? [], total: data.total ?? 0 };
    },
  };
}

function unwrap<T>(res: SdkResult<T>, operation: string): T {
  if (res.ok && res.data !== undefined) return res.data;
  const retryAfter = res.error?.retryAfter === undefined ? undefined : String(res.error.retryAfter);
  throw classifyHttpError(res.code ?? 500, res.error, retryAfter, operation);
}

/** The SDK throws (rather than returning `ok: false`) on network errors and non-JSON bodies. */
async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof DescopeError) throw error;
    throw new DescopeUnavailableError(
      `Descope ${operation} failed: ${error instanceof Error ? error.message : String(error)}`,
      undefined,
      undefined,
    );
  }
}

/**
 * Statuses the SDK (core-js-sdk) resends by itself, up to 3 times after 100 ms, 5 s and 5 s. Answering them
 * with a throw here keeps the SDK from resending (it retries only on a returned response): one call is one
 * request, stamped with the time it was sent, and Temporal's activity retry is the only retry.
 */
const SDK_RESENT_STATUSES = new Set([503, 520, 521, 522, 524, 530]);

/**
 * The SDK has no timeout, parses every error body as JSON (a CDN's HTML 502 or plain-text 429 makes it
 * throw a SyntaxError) and resends some 5xx itself. This fetch adds the timeout, classifies non-JSON error
 * replies itself and turns the resent statuses into a DescopeUnavailableError.
 */
function guardedFetch(timeoutMs: number): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const operation = new URL(url).pathname;
    let response: Response;
    try {
      response = await fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : (error as Error).message;
      throw new DescopeUnavailableError(`Descope ${operation} ${reason}`, undefined, undefined);
    }
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok && (!type.includes('json') || SDK_RESENT_STATUSES.has(response.status))) {
      const body = type.includes('json') ? await errorBody(response) : undefined;
      throw classifyHttpError(response.status, body, response.headers.get('retry-after'), operation);
    }
    return response;
  };
}

async function errorBody(response: Response): Promise<SdkResult<never>['error']> {
  try {
    return (await response.json()) as SdkResult<never>['error'];
  } catch {
    return undefined;
  }
}
