import express, { type RequestHandler } from 'express';
import type { Logger } from '../logger';
import type { Authenticator } from './credentials';
import { asyncHandler, isJsonContentType, sendError } from './http';

/** Seconds a sender should wait after a 503; Descope's retry behaviour is undocumented, so we say so explicitly. */
export const RETRY_AFTER_SECONDS = 5;

/** Runs before the body is read: an unauthenticated sender cannot make us buffer or parse anything. */
export function authenticate(auth: Authenticator, logger: Logger): RequestHandler {
  return asyncHandler(async (req, res, next) => {
    const outcome = await auth(req.headers);
    if (outcome.ok) return next();
    logger.warn({ reason: outcome.reason, remoteAddress: req.socket.remoteAddress }, 'webhook delivery refused');
    if (outcome.status === 503) {
      return sendError(res, 503, outcome.code, outcome.message, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
    }
    sendError(
      res,
      401,
      outcome.code,
      outcome.message,
      outcome.challenge ? { 'WWW-Authenticate': outcome.challenge } : {},
    );
  });
}

export const requireJson: RequestHandler = (req, res, next) => {
  if (isJsonContentType(req.headers['content-type'])) return next();
  sendError(res, 415, 'unsupported_media_type', 'Content-Type must be application/json');
};

/**
 * Buffers the raw bytes (the HMAC is over them) whatever the content type says; JSON is parsed later by us so
 * every parse error gets our JSON error shape. Over-limit bodies fail with body-parser's 413, mapped by the
 * final error handler.
 */
export function readRawBody(maxBodyBytes: number): RequestHandler {
  return express.raw({ type: () => true, limit: maxBodyBytes });
}
