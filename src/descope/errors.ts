/** Failures of Descope calls, classified by what the caller should do about them. */
export class DescopeError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly errorCode: string | undefined,
  ) {
    super(message);
  }
}

/** 429: wait `retryAfterMs` (Descope blocks the project for 60 s), then try again. */
export class DescopeRateLimitError extends DescopeError {
  override name = 'DescopeRateLimitError';
  constructor(
    readonly retryAfterMs: number,
    status = 429,
    errorCode: string | undefined = 'E130429',
  ) {
    super(`Descope rate limit exceeded; retry after ${Math.ceil(retryAfterMs / 1000)} s`, status, errorCode);
  }
}

/** 401/403: the project id or management key is wrong. Retrying cannot help. */
export class DescopeAuthError extends DescopeError {
  override name = 'DescopeAuthError';
}

/** 4xx other than auth and rate limits: the request itself is wrong. Retrying cannot help. */
export class DescopeRequestError extends DescopeError {
  override name = 'DescopeRequestError';
}

/** 5xx, timeouts, network errors and non-JSON error pages: Descope (or a CDN) is unwell; retry with backoff. */
export class DescopeUnavailableError extends DescopeError {
  override name = 'DescopeUnavailableError';
}

export const NON_RETRYABLE_DESCOPE_ERRORS = ['DescopeAuthError', 'DescopeRequestError'];

/** Descope's "user not found" codes. */
export const USER_NOT_FOUND_CODES = new Set(['E062108', 'E112102']);

export function classifyHttpError(
  status: number,
  body: { errorCode?: string; errorDescription?: string; errorMessage?: string } | undefined,
  retryAfterHeader: string | null | undefined,
  operation: string,
): DescopeError {
  const code = body?.errorCode;
  const detail = body?.errorMessage || body?.errorDescription || `HTTP ${status}`;
  if (status === 429 || code === 'E130429') {
    const seconds = Number.parseInt(retryAfterHeader ?? '', 10);
    return new DescopeRateLimitError((Number.isFinite(seconds) && seconds > 0 ? seconds : 60) * 1000, status, code);
  }
  if (status === 401 || status === 403) {
    return new DescopeAuthError(
      `Descope rejected the credentials for ${operation} (${code ?? status}): check DESCOPE_PROJECT_ID and DESCOPE_MANAGEMENT_KEY`,
      status,
      code,
    );
  }
  if (status >= 400 && status < 500 && status !== 408) {
    return new DescopeRequestError(`Descope refused ${operation} (${code ?? status}): ${detail}`, status, code);
  }
  return new DescopeUnavailableError(`Descope failed ${operation} (${code ?? status}): ${detail}`, status, code);
}
