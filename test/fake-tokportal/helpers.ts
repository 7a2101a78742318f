// Small HTTP helpers for the fake's tests: real fetch against the running server.
import type { IncomingHttpHeaders } from 'node:http';
import { startTestFake, type FakeTokPortal, type FakeTokPortalOptions } from '../support/fake.js';
import { startWebhookSink } from '../support/webhook-sink.js';

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

export type ReceivedWebhook = { headers: IncomingHttpHeaders; raw: string; body: any; at: number };

/** A webhook receiver on 127.0.0.1: records every POST and answers with `respond` (default 200). */
export async function startReceiver(respond: (hook: ReceivedWebhook, index: number) => number = () => 200) {
  const received: ReceivedWebhook[] = [];
  const sink = await startWebhookSink((delivery) => {
    const raw = delivery.raw.toString('utf8');
    const hook = { headers: delivery.headers, raw, body: JSON.parse(raw), at: Date.now() };
    const status = respond(hook, received.length);
    received.push(hook);
    return status;
  }, '/hooks');
  return { url: sink.url, received, close: sink.close };
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

export const WEBHOOK_SECRET = 'whsec_webhook_tests';

/**
 * Receivers and fakes a test opens, closed in reverse order after it (pass closeAll to
 * afterEach); setup() starts a recording receiver and a fake that delivers to it.
 */
export function openedPerTest() {
  const cleanups: (() => Promise<void>)[] = [];
  return {
    cleanups,
    async closeAll(): Promise<void> {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
    async setup(respond?: Parameters<typeof startReceiver>[0], options: FakeTokPortalOptions = {}) {
      const receiver = await startReceiver(respond);
      cleanups.push(receiver.close);
      const fake = await startTestFake({ ...options, webhookEndpoints: [{ url: receiver.url, secret: WEBHOOK_SECRET }] });
      cleanups.push(fake.close);
      return { receiver, fake };
    },
  };
}
