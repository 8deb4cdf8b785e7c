import DescopeClient from '@descope/node-sdk';
import type { DescopeUser } from '../store/types';
import { classifyHttpError, DescopeError, DescopeUnavailableError, USER_NOT_FOUND_CODES } from './errors';

export interface SearchRequest {
  page?: number;
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
  onResponse?: (operation: string, status: number) => void;
}): DescopeApi {
  const sdk: Sdk = DescopeClient({
    projectId: options.projectId,
    managementKey: options.managementKey,
    baseUrl: options.baseUrl,
    fetch: guardedFetch(options.timeoutMs, options.onResponse),
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
 * The SDK has no timeout, and parses every error body as JSON (a CDN's HTML 502 or plain-text 429 makes it
 * throw a SyntaxError). This fetch adds the timeout and classifies non-JSON error replies itself.
 */
function guardedFetch(timeoutMs: number, onResponse?: (operation: string, status: number) => void): typeof fetch {
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
    onResponse?.(operation, response.status);
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok && !type.includes('json')) {
      throw classifyHttpError(response.status, undefined, response.headers.get('retry-after'), operation);
    }
    return response;
  };
}
