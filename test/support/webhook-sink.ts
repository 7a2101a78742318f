// A bare webhook receiver on 127.0.0.1 for the tests of the senders (the fake TokPortal, the
// client's endpoint API): it hands every POST to the test, exact bytes and headers, and
// answers with the status the test returns. (The real receiver is started by stack.ts.)
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SinkDelivery = { headers: IncomingHttpHeaders; raw: Buffer };
export type WebhookSink = { url: string; close(): Promise<void> };

/** Listens on a free port; `url` ends in `path` (any path is accepted). */
export async function startWebhookSink(
  onDelivery: (delivery: SinkDelivery) => number,
  path = '/webhooks/tokportal',
): Promise<WebhookSink> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = onDelivery({ headers: request.headers, raw: Buffer.concat(chunks) });
      response.writeHead(status, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
