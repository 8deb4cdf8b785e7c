import type { Connection } from '@temporalio/client';
import { createServer } from 'node:http';
import { createAuthenticator } from '../webhook/auth';
import { closeServer, ensurePortFree, listenOn } from './listen';
import { connectClient, connectStore, type DescopeTarget } from '../runtime';
import { createWebhookApp } from '../webhook';
import { createTemporalSink } from '../webhook/temporalSink';
import { ensureSearchAttributes } from '../temporal/searchAttributes';
import type { Config } from '../config';
import type { Logger } from '../logger';

/** The webhook process: the Express app, listening; everything it needs created here, once. */
export async function runWebhook(config: Config, target: DescopeTarget, logger: Logger, signal: AbortSignal) {
  // Configuration and the port first, before any connection: a missing WEBHOOK_AUTH or a taken port stops the
  // process at once with a message naming it, not after a MongoDB or Temporal timeout.
  createAuthenticator(config.webhook, logger.child({}, { level: 'silent' }));
  await ensurePortFree('WEBHOOK_PORT', config.webhook.port, config.webhook.host);
  const store = await connectStore(config);
  // Whatever fails after this point (a bad WEBHOOK_AUTH, a taken port) still closes what was opened.
  const closers: (() => Promise<unknown>)[] = [() => store.close()];
  try {
    const client = await connectClient(config);
    closers.unshift(() => client.connection.close());
    const searchAttributes = await ensureSearchAttributes(client.connection as Connection, config.temporal.namespace);
    const sink = createTemporalSink({
      client,
      store,
      taskQueue: config.temporal.taskQueue,
      projectId: target.projectId,
      overlapMs: config.reconcile.overlapMs,
      maxDeleteFraction: config.reconcile.maxDeleteFraction,
      searchAttributes,
    });
    const app = createWebhookApp({ config: config.webhook, sink, logger, projectId: target.projectId });
    const server = await listenOn(createServer(app), 'WEBHOOK_PORT', config.webhook.port, config.webhook.host);
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.webhook.port;
    logger.info({ port, path: config.webhook.path, auth: config.webhook.auth }, 'webhook listening');
    if (!signal.aborted) {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    }
    await closeServer(server);
  } finally {
    for (const close of closers) await close().catch((err: unknown) => logger.warn({ err }, 'close failed'));
  }
}
