import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { MongoNetworkError } from 'mongodb';

/**
 * Works around a hang in the MongoDB Node driver (seen with 7.9.0, the newest release).
 *
 * When the server closes every socket at once (a restart), the driver's server monitor may send its next
 * heartbeat on a connection whose socket is already destroyed but has not emitted 'close' yet. The write
 * returns false, no 'error' follows on a destroyed socket, and the driver waits for a 'drain' that never comes,
 * with no timer on that wait. The monitor then never checks the server again: it stays Unknown, the pool
 * stays paused, and every operation of the process fails server selection until it restarts. Seen in 2 of 7
 * restarts of the local server under concurrent writes; none in 16 with this guard.
 *
 * The guard makes a write on a connection that is gone fail at once with a network error, and a write
 * waiting on a socket that closes fail when it closes: the heartbeat fails normally and the next one opens a
 * new connection. It changes nothing while sockets are healthy. If the driver's internals ever change shape,
 * it leaves them alone.
 *
 * Upstream: the wait is `Connection.writeCommand`'s await of 'drain', which listens for 'drain' and 'error' only
 * (added in https://github.com/mongodb/node-mongodb-native/pull/4022). The closest upstream report is NODE-6370
 * (https://jira.mongodb.org/browse/NODE-6370, fixed by pull 4245: a hang in the same wait under load); no report
 * of this case (a socket destroyed before the write) was found. Drop the guard once the driver also settles
 * that wait on 'close' (check: restart the local server under concurrent writes with the guard off).
 */
export function installDriverGuard(): boolean {
  if (installed) return true;
  const connection = loadConnectionClass();
  const original = connection?.prototype.writeCommand;
  if (!connection || typeof original !== 'function') return false;
  connection.prototype.writeCommand = async function guardedWriteCommand(this: DriverConnection, ...args: unknown[]) {
    const socket = this.socket;
    const gone = () => new MongoNetworkError(`connection ${String(this.id)} to ${String(this.address)} closed`);
    if (this.closed || socket.destroyed || socket.writableEnded) {
      const error = gone();
      this.onError?.(error);
      throw error;
    }
    let onClose: () => void = () => {};
    const closed = new Promise<never>((_, reject) => {
      onClose = () => reject(gone());
      socket.once('close', onClose);
    });
    closed.catch(() => {}); // settled by the race below, or never needed
    try {
      return await Promise.race([original.apply(this, args), closed]);
    } finally {
      socket.off('close', onClose);
    }
  };
  installed = true;
  return true;
}

let installed = false;

interface DriverConnection {
  id: unknown;
  address: unknown;
  closed: boolean;
  socket: Socket;
  onError?: (error: Error) => void;
}

interface ConnectionClass {
  prototype: { writeCommand: (this: DriverConnection, ...args: unknown[]) => Promise<unknown> };
}

function loadConnectionClass(): ConnectionClass | undefined {
  try {
    const module = createRequire(import.meta.url)('mongodb/lib/cmap/connection.js') as { Connection?: unknown };
    const candidate = module.Connection as ConnectionClass | undefined;
    return typeof candidate?.prototype === 'object' ? candidate : undefined;
  } catch {
    return undefined;
  }
}
