import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger';
import { sendError } from './http';

export const notFound: RequestHandler = (_req, res) => {
  sendError(res, 404, 'not_found', 'no such route');
};

export function methodNotAllowed(allow: string): RequestHandler {
  return (_req, res) => sendError(res, 405, 'method_not_allowed', `use ${allow}`, { Allow: allow });
}

/**
 * Replaces Express's default handler, which prints stacks. Body-reading failures (body-parser errors carry a
 * `type`) become their 4xx; anything else is a 500 with a fixed message and the details only in the log.
 */
export function finalErrorHandler(logger: Logger, maxBodyBytes: number): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    const { status, type } = (typeof error === 'object' && error !== null ? error : {}) as {
      status?: unknown;
      type?: unknown;
    };
    if (typeof type === 'string' && typeof status === 'number') {
      if (status === 413) return sendError(res, 413, 'payload_too_large', `body larger than ${maxBodyBytes} bytes`);
      if (status === 415) return sendError(res, 415, 'unsupported_media_type', 'unsupported Content-Encoding');
      if (status >= 400 && status < 500) return sendError(res, 400, 'bad_request', 'the body could not be read');
    }
    logger.error({ err: error }, 'webhook request failed');
    sendError(res, 500, 'internal_error', 'internal error');
  };
}
