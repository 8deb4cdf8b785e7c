import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { pino } from 'pino';
import { loadConfig } from '../src/config';
import type { MongoStore } from '../src/store';
import { createWebhookApp } from '../src/webhook';
import { createTemporalSink } from '../src/webhook/temporalSink';

export interface BenchWebhook {
  url: string;
  post(body: unknown): Promise<Response>;
  close(): Promise<void>;
}

/** The real webhook app and Temporal sink on loopback, bearer-authenticated as in production. */
export async function startWebhook(deps: {
  client: Client;
  store: MongoStore;
  taskQueue: string;
  projectId: string;
}): Promise<BenchWebhook> {
  const token = `bench-${Math.random().toString(36).slice(2)}`;
  const config = loadConfig({ WEBHOOK_AUTH: 'bearer', WEBHOOK_TOKEN: token });
  const sink = createTemporalSink({ ...deps, overlapMs: config.reconcile.overlapMs, searchAttributes: false });
  const app = createWebhookApp({ config: config.webhook, sink, logger: pino({ level: 'silent' }) });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}${config.webhook.path}`;
  return {
    url,
    post: (body) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
