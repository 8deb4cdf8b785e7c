import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** The one error shape every route answers with. Messages are fixed strings or field paths, never request data. */
export function sendError(
  res: Response,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.status(status).set(headers).json({ error: { code, message } });
}

/** What helmet would set for a JSON-only API, without the dependency. */
export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    'Cache-Control': 'no-store',
    'Cross-Origin-Resource-Policy': 'same-origin',
  });
  res.removeHeader('X-Powered-By');
  next();
}

/** `application/json` or any `application/*+json`, parameters (charset) allowed. */
export function isJsonContentType(header: string | undefined): boolean {
  const type = (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[\w.-]+\+json$/.test(type);
}

/**
 * Express 5 forwards a rejected handler promise to the error handler already; this keeps that explicit and
 * satisfies no-misused-promises wherever a handler is async.
 */
export function asyncHandler(
  handler: (req: Request, res: Response, next: NextFunction) => Promise<void>,
): RequestHandler {
  return (req, res, next) => {
    handler(req, res, next).catch(next);
  };
}
