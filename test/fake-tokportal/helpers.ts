// Small HTTP helpers for the fake's tests: real fetch against the running server.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeTokPortal } from '../support/fake.js';

export type Answer = { status: number; headers: Headers; body: any };

export async function call(
  fake: FakeTokPortal,
  method: string,
  path: string,
  options: { body?: unknown; apiKey?: string | null; rawBody?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  const apiKey = options.apiKey === undefined ? fake.apiKey : options.apiKey;
  if (apiKey !== null) headers['X-API-Key'] = apiKey;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const url = path.startsWith('/_fake') ? `${fake.origin}${path}` : `${fake.baseUrl}${path}`;
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

export type ReceivedWebhook = { headers: IncomingMessage['headers']; raw: string; body: any; at: number };

/** A webhook receiver on 127.0.0.1: records every POST and answers with `respond` (default 200). */
export async function startReceiver(respond: (hook: ReceivedWebhook, index: number) => number = () => 200) {
  const received: ReceivedWebhook[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const hook = { headers: request.headers, raw, body: JSON.parse(raw), at: Date.now() };
      const status = respond(hook, received.length);
      received.push(hook);
      response.writeHead(status, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The first seeded bundle matching a predicate on its detail. */
export function findBundle(fake: FakeTokPortal, predicate: (bundle: any) => boolean): any {
  for (const id of fake.listBundleIds()) {
    const bundle = fake.getBundle(id) as any;
    if (predicate(bundle)) return bundle;
  }
  throw new Error('no seeded bundle matches');
}
