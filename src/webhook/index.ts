export { createWebhookApp, type WebhookAppDeps } from './app.js';
export { SinkUnavailableError, WebhookConfigError } from './errors.js';
export { parseDelivery } from './parse.js';
export { SIGNATURE_HEADER, sign } from './hmac.js';
export type * from './types.js';
