/** Descope's JSON error body; the SDK hands it back as `error` on `{ ok: false }`. */
export interface DescopeErrorBody {
  errorCode: string;
  errorDescription: string;
  errorMessage: string;
}

/** Thrown by handlers; the route wrapper turns it into Descope's JSON error reply. */
export class DescopeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: DescopeErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${body.errorCode} ${body.errorDescription}: ${body.errorMessage}`);
    this.name = 'DescopeHttpError';
  }
}

const error = (status: number, errorCode: string, errorDescription: string, errorMessage: string): DescopeHttpError =>
  new DescopeHttpError(status, { errorCode, errorDescription, errorMessage });

export const badRequest = (message: string): DescopeHttpError => error(400, 'E011001', 'Bad request', message);

export const invalidArguments = (message: string): DescopeHttpError =>
  error(400, 'E011002', 'Request is invalid', message);

export const unauthorized = (): DescopeHttpError =>
  error(401, 'E011003', 'Request is invalid', 'Invalid management key or project id');

/** Descope documents E062108 as a "404-class" error; the status is configurable for products that care. */
export const userNotFound = (status: number): DescopeHttpError =>
  error(status, 'E062108', 'User not found', 'Failed loading user');

export const userExists = (loginId: string): DescopeHttpError =>
  error(400, 'E062107', 'User already exists', `A user with login id ${loginId} already exists`);

export const routeNotFound = (path: string): DescopeHttpError =>
  error(404, 'E011001', 'Bad request', `Unknown route ${path}`);

/** Exactly the documented body, nothing added: products may compare it field by field. */
export const rateLimited = (retryAfterSec: number): DescopeHttpError =>
  new DescopeHttpError(
    429,
    {
      errorCode: 'E130429',
      errorDescription: 'https://docs.descope.com/rate-limit',
      errorMessage: 'API rate limit exceeded.',
    },
    { 'Retry-After': String(retryAfterSec) },
  );

export const serverError = (status: number, message = 'Injected server error'): DescopeHttpError =>
  error(status, 'E010001', 'Internal error', message);
