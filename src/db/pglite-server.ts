// Serves the embedded PGlite on a local Postgres port while `start` or the demo holds it, so psql,
// `tokportal-sync report` and BI tools read the live mirror. PGlite speaks the wire protocol
// itself (execProtocolRawStream answers startup, queries and errors): this module only frames
// messages off each socket and runs them on the one embedded session.
//
// Why not @electric-sql/pglite-socket: its 0.2.x line pins its peer to an exact older PGlite
// (0.5.14; we run 0.5.17) plus seven extension packages as required peers, and its multiplexer
// takes only PGlite's query lock, so a client's statement could run inside one of the sync's own
// transactions (or the sync's inside a client's open BEGIN). Here a client holds PGlite's
// transaction lock from its first message until it is back out of any transaction (after a
// Query or a Sync): the sync's transactions and the clients' never interleave.
//
// One session is shared by every client: session settings (SET) made by one are seen by all,
// the sync included, and a client idle inside BEGIN holds the sync until it ends. Loopback only,
// no password: it is a window for the machine's own user.
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;

export type ServedDatabase = {
  host: string;
  port: number;
  /** A connection URL psql and postgres drivers accept. */
  url: string;
  close(): Promise<void>;
};

/** Holds PGlite's transaction lock until the returned function is called. */
function acquireTransactionLock(client: PGlite): Promise<() => void> {
  return new Promise((acquired) => {
    void client._runExclusiveTransaction(() => new Promise<void>((release) => acquired(() => release())));
  });
}

const ROLLBACK = (() => {
  const text = Buffer.from('ROLLBACK\0');
  const message = Buffer.alloc(5 + text.length);
  message.write('Q', 0);
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return new Uint8Array(message);
})();

/** One client: its messages run in order, under the transaction lock while it is inside one. */
function serveSocket(client: PGlite, socket: Socket, sockets: Set<Socket>): void {
  sockets.add(socket);
  socket.setNoDelay(true);
  let buffer = Buffer.alloc(0);
  let started = false;
  let closed = false;
  let release: (() => void) | null = null;
  let queue: Promise<void> = Promise.resolve();

  const run = (message: Uint8Array, endsUnit: boolean) => {
    queue = queue.then(async () => {
      if (closed) return;
      release ??= await acquireTransactionLock(client);
      try {
        await client._runExclusiveQuery(() =>
          client.execProtocolRawStream(message, {
            onRawData: (data) => {
              if (!closed && socket.writable) socket.write(Buffer.from(data));
            },
          }),
        );
      } finally {
        if (endsUnit && !client.isInTransaction()) {
          release?.();
          release = null;
        }
      }
    });
    queue = queue.catch(() => void socket.destroy());
  };

  const onClose = () => {
    if (closed) return;
    closed = true;
    sockets.delete(socket);
    // A client that vanished inside a transaction must not leave it open for the sync.
    queue = queue.then(async () => {
      if (!release) return;
      try {
        if (client.isInTransaction()) await client._runExclusiveQuery(() => client.execProtocolRawStream(ROLLBACK, { onRawData: () => {} }));
      } finally {
        release();
        release = null;
      }
    });
  };

  socket.on('data', (data: Buffer) => {
    buffer = Buffer.concat([buffer, data]);
    for (;;) {
      if (!started) {
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        const code = buffer.readInt32BE(4);
        if (buffer.length < length) return;
        const message = buffer.subarray(0, length);
        buffer = buffer.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          socket.write('N'); // no encryption on loopback; the client goes on in plain text
          continue;
        }
        if (code === CANCEL_REQUEST || code !== PROTOCOL_3) {
          socket.destroy();
          return;
        }
        started = true;
        run(new Uint8Array(message), true);
        continue;
      }
      if (buffer.length < 5) return;
      const length = 1 + buffer.readInt32BE(1);
      if (buffer.length < length) return;
      const message = buffer.subarray(0, length);
      buffer = buffer.subarray(length);
      const type = String.fromCharCode(message[0]!);
      if (type === 'X') {
        socket.end();
        return;
      }
      // A simple Query, or the Sync closing an extended-protocol batch, ends a unit of work.
      run(new Uint8Array(message), type === 'Q' || type === 'S');
    }
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', onClose);
}

/** Listens on host:port (port 0: any free one); rejects when the port is taken. */
export async function servePglite(client: PGlite, options: { port: number; host?: string }): Promise<ServedDatabase> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => serveSocket(client, socket, sockets));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    host,
    port,
    url: `postgres://postgres@${host}:${port}/postgres`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
