/** Thrown by an EventSink when its backend (Temporal) cannot take the work now; the endpoint answers 503. */
export class SinkUnavailableError extends Error {
  override name = 'SinkUnavailableError';
}

/** The webhook cannot start with this configuration (e.g. no explicit WEBHOOK_AUTH). */
export class WebhookConfigError extends Error {
  override name = 'WebhookConfigError';
}
