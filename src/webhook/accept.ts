import type { Request, Response } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { withDeadline } from './deadline.js';
import { SinkUnavailableError } from './errors.js';
import { RETRY_AFTER_SECONDS } from './guards.js';
import { SIGNATURE_HEADER, signatureMatches } from './hmac.js';
import { sendError } from './http.js';
import { decodeJson } from './json.js';
import { actionLabel, type WebhookMetrics } from './metrics.js';
import { parseDelivery } from './parse.js';
import type { EventSink, ParseResult, SinkResult } from './types.js';

export interface AcceptDeps {
  config: Config['webhook'];
  sink: EventSink;
  logger: Logger;
  metrics: WebhookMetrics;
  now: () => number;
}

type Parsed = Extract<ParseResult, { ok: true }>;

/** Verifies, parses and hands a delivery to the sink; answers 2xx only once the sink says the work is durable. */
export async function acceptDelivery(deps: AcceptDeps, req: Request, res: Response): Promise<void> {
  const { config, sink, logger } = deps;
  const receivedMs = deps.now();
  const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  let decoded: ReturnType<typeof decodeJson> | undefined;
  const decode = () => (decoded ??= decodeJson(raw));

  if (config.hmacSecret) {
    const signature = req.get(SIGNATURE_HEADER);
    const problem = !signature
      ? `missing ${SIGNATURE_HEADER} header`
      : !signatureMatches(config.hmacSecret, signature, raw, decode)
        ? `${SIGNATURE_HEADER} does not match the body`
        : undefined;
    if (problem) {
      logger.warn({ remoteAddress: req.socket.remoteAddress, problem }, 'webhook delivery refused');
      return sendError(res, 401, 'invalid_signature', problem);
    }
  }
  const json = decode();
  if (!json.ok) return sendError(res, 400, json.code, json.message);
  const parsed = parseDelivery(json.value, { maxEvents: config.maxEvents, receivedMs });
  if (!parsed.ok) return sendError(res, 400, parsed.code, parsed.message);

  const work = parsed.events;
  if (work.applies.length + work.windows.length === 0)
    return acknowledge(deps, res, parsed, { started: 0, duplicates: 0 });

  const outcome = await withDeadline((signal) => sink.submit(work, signal), config.startTimeoutMs);
  if (outcome.kind === 'done') return acknowledge(deps, res, parsed, outcome.value);
  if (outcome.kind === 'timed-out' || isSinkUnavailable(outcome.error)) {
    const reason = outcome.kind === 'timed-out' ? `no answer within ${config.startTimeoutMs} ms` : 'unavailable';
    logger.warn({ reason, err: outcome.kind === 'failed' ? outcome.error : undefined }, 'webhook sink unavailable');
    return sendError(res, 503, 'sink_unavailable', 'events cannot be recorded right now; retry later', {
      'Retry-After': String(RETRY_AFTER_SECONDS),
    });
  }
  logger.error({ err: outcome.error }, 'webhook sink failed');
  sendError(res, 500, 'internal_error', 'internal error');
}

function acknowledge(deps: AcceptDeps, res: Response, parsed: Parsed, result: SinkResult): void {
  const { metrics, logger } = deps;
  const accepted = new Map<string, number>();
  for (const request of [...parsed.events.applies, ...parsed.events.windows]) {
    const action = 'batchAction' in request ? (request.batchAction ?? request.action) : request.action;
    accepted.set(action, (accepted.get(action) ?? 0) + 1);
  }
  for (const [action, n] of accepted) metrics.events.inc({ action, outcome: 'accepted' }, n);
  for (const [action, n] of parsed.duplicatesByAction) metrics.events.inc({ action, outcome: 'duplicate' }, n);
  for (const [action, n] of parsed.ignoredByAction)
    metrics.events.inc({ action: actionLabel(action), outcome: 'ignored' }, n);
  metrics.sink.inc({ result: 'started' }, result.started);
  metrics.sink.inc({ result: 'duplicate' }, result.duplicates);
  const body = { accepted: result.started, duplicates: result.duplicates + parsed.duplicates, ignored: parsed.ignored };
  logger.info(
    { applies: parsed.events.applies.length, windows: parsed.events.windows.length, ...body },
    'webhook delivery accepted',
  );
  res.status(200).json(body);
}

function isSinkUnavailable(error: unknown): boolean {
  return error instanceof SinkUnavailableError || (error instanceof Error && error.name === 'SinkUnavailableError');
}
