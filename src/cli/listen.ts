import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { UsageError } from '../runtime';

/**
 * Starts `server` listening, or fails naming the setting and the port: a process whose port is taken (a second
 * worker on one host, another exporter on 9464) must stop at start, not run on without the endpoint.
 */
export function listenOn(server: Server, setting: string, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(portError(setting, port, host, error));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}

/**
 * Checks that a port can be bound, for servers the product does not create itself (the Temporal SDK's own
 * metrics exporter binds in native code and does not report a taken port).
 */
export async function ensurePortFree(setting: string, port: number, host: string): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) => reject(portError(setting, port, host, error)));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

function portError(setting: string, port: number, host: string, error: NodeJS.ErrnoException): UsageError {
  const why = error.code === 'EADDRINUSE' ? 'is already in use' : `cannot be bound (${error.code ?? error.message})`;
  return new UsageError(`${setting} ${port} on ${host} ${why}: choose another port, or 0 to turn it off.`);
}

/**
 * Stops `server` taking requests and resolves once its connections are gone. `server.close()` alone waits for
 * every open connection, and a sender that keeps posting on a kept-alive connection (Descope with a backlog,
 * the demo's emulator) keeps one open forever: so idle connections go now, every response from here on says
 * `Connection: close`, and whatever is still open after `drainMs` is cut (a delivery cut unanswered is resent).
 */
export async function closeServer(server: Server, drainMs = 10_000): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.prependListener('request', (_req, res) => {
    if (!res.headersSent) res.setHeader('connection', 'close');
  });
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), drainMs);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}
