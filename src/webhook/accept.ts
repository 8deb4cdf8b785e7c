import type { Request, Response } from 'express';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { withDeadline } from './deadline';
import { SinkUnavailableError } from './errors';
import { RETRY_AFTER_SECONDS } from './guards';
import { SIGNATURE_HEADER, signatureMatches } from './hmac';
import { sendError } from './http';
import { decodeJson } from './json';
import { actionLabel, type WebhookMetrics } from './metrics';
import { parseDelivery } from './parse';
import type { EventSink, ParseResult, SinkResult } from './types';

export interface AcceptDeps {
  config: Config['webhook'];
  sink: EventSink;
  logger: Logger;
  metrics: WebhookMetrics;
  now: () => number;
  /** The project this sync serves: events naming another are skipped. */
  projectId: string | undefined;
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
  const parsed = parseDelivery(json.value, { maxEvents: config.maxEvents, receivedMs, projectId: deps.projectId });
  if (!parsed.ok) return sendError(res, 400, parsed.code, parsed.message);
  if (parsed.invalid > 0) logger.warn({ invalid: parsed.invalid, problems: parsed.problems }, 'webhook events skipped');

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

/**
 * The 2xx reply. `accepted`: events this delivery made durable (a new intake took them); `duplicates`: events
 * repeated inside the delivery or carried by another delivery of its group, plus all of them when the same
 * delivery had already been taken; `invalid`:
 * events skipped, with the first few `problems`. Whether an event was started by an EARLIER, different
 * delivery only the intake workflow knows (its result counts it).
 */
function acknowledge(deps: AcceptDeps, res: Response, parsed: Parsed, result: SinkResult): void {
  const { metrics, logger } = deps;
  const accepted = new Map<string, number>();
  for (const request of [...parsed.events.applies, ...parsed.events.windows]) {
    accepted.set(request.action, (accepted.get(request.action) ?? 0) + 1);
  }
  const outcome = result.started > 0 || result.duplicates === 0 ? 'accepted' : 'duplicate';
  for (const [action, n] of accepted) metrics.events.inc({ action, outcome }, n);
  for (const [action, n] of parsed.duplicatesByAction) metrics.events.inc({ action, outcome: 'duplicate' }, n);
  for (const [action, n] of parsed.ignoredByAction)
    metrics.events.inc({ action: actionLabel(action), outcome: 'ignored' }, n);
  for (const [action, n] of parsed.invalidByAction)
    metrics.events.inc({ action: actionLabel(action), outcome: 'invalid' }, n);
  metrics.sink.inc({ result: 'started' }, result.started);
  metrics.sink.inc({ result: 'duplicate' }, result.duplicates);
  const body = {
    accepted: result.started,
    duplicates: result.duplicates + parsed.duplicates,
    ignored: parsed.ignored,
    invalid: parsed.invalid,
    problems: parsed.problems,
    ...(result.intake ? { intake: result.intake } : {}),
  };
  logger.info(
    { applies: parsed.events.applies.length, windows: parsed.events.windows.length, ...body, problems: undefined },
    'webhook delivery accepted',
  );
  res.status(200).json(body);
}

function isSinkUnavailable(error: unknown): boolean {
  return error instanceof SinkUnavailableError || (error instanceof Error && error.name === 'SinkUnavailableError');
}
