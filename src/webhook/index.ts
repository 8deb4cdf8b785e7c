export { createWebhookApp, type WebhookAppDeps } from './app';
export { SinkUnavailableError, WebhookConfigError } from './errors';
export { parseDelivery } from './parse';
export { SIGNATURE_HEADER, sign } from './hmac';
export type * from './types';
