// A round-robin HTTP load balancer on the loopback: each request goes to the next upstream in
// turn, as a load balancer in front of several receivers would send it. Bodies are buffered
// (webhooks are small) and the upstream's status, headers and body are passed back unchanged.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Balancer = { url: string; forwarded: number[]; close(): Promise<void> };

export async function startBalancer(upstreams: string[]): Promise<Balancer> {
  let turn = 0;
  const forwarded = upstreams.map(() => 0);
  const forward = async (request: IncomingMessage, response: ServerResponse) => {
    const index = turn++ % upstreams.length;
    forwarded[index]! += 1;
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name)) headers[name] = value;
    }
    try {
      const upstream = await fetch(`${upstreams[index]}${request.url ?? '/'}`, {
        method: request.method,
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(502).end();
    }
  };
  const server = createServer((request, response) => void forward(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
