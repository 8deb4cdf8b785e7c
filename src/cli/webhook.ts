import type { Connection } from '@temporalio/client';
import type { Server } from 'node:http';
import { connectClient, connectStore, type DescopeTarget } from '../runtime';
import { createWebhookApp } from '../webhook';
import { createTemporalSink } from '../webhook/temporalSink';
import { ensureSearchAttributes } from '../temporal/searchAttributes';
import type { Config } from '../config';
import type { Logger } from '../logger';

/** The webhook process: the Express app, listening; everything it needs created here, once. */
export async function runWebhook(config: Config, target: DescopeTarget, logger: Logger, signal: AbortSignal) {
  const store = await connectStore(config);
  const client = await connectClient(config);
  const searchAttributes = await ensureSearchAttributes(client.connection as Connection, config.temporal.namespace);
  const sink = createTemporalSink({
    client,
    store,
    taskQueue: config.temporal.taskQueue,
    projectId: target.projectId,
    overlapMs: config.reconcile.overlapMs,
    searchAttributes,
  });
  const app = createWebhookApp({ config: config.webhook, sink, logger });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.webhook.port, config.webhook.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.webhook.port;
  logger.info({ port, path: config.webhook.path, auth: config.webhook.auth }, 'webhook listening');
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await client.connection.close();
  await store.close();
}
