// An HTTP server for Hono that stops without dropping a request it has already read.
// Node 20's server.close() also closes "idle" connections, and Node counts a connection as
// idle once the request is fully read, even while the handler is still working on it (the
// receiver: waiting for its inbox commit). That would reset webhooks we are about to acknowledge.
// So: stop listening, wait for the in-flight count to reach zero, only then cut what is left.
import { Server as NetServer, type AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';

export type GracefulServer = {
  server: Server;
  port: number;
  /** Stops accepting, waits up to timeoutMs for in-flight requests, then closes every connection. */
  stop(timeoutMs: number): Promise<void>;
};

export async function listenGracefully(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
  hostname: string,
): Promise<GracefulServer> {
  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch, port, hostname }, () => resolve(started as Server)) as Server;
    started.once('error', reject);
  });

  let inFlight = 0;
  let stopping = false;
  let drained: (() => void) | null = null;
  // Runs before Hono's listener, so the header is set before any response is written.
  server.prependListener('request', (_request, response) => {
    inFlight += 1;
    // Keep-alive clients must not send another request on a connection we are about to close.
    if (stopping) response.setHeader('Connection', 'close');
    response.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
  });

  return {
    server,
    port: (server.address() as AddressInfo).port,
    async stop(timeoutMs) {
      stopping = true;
      // The net.Server close: stop listening, without http's premature closeIdleConnections().
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          drained = resolve;
          timer = setTimeout(resolve, timeoutMs);
        });
        clearTimeout(timer);
      }
      // Nothing is in flight (or the deadline passed): what remains are idle keep-alive sockets.
      server.closeAllConnections();
      await closed;
    },
  };
}
