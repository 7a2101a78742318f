// One signed webhook POST, the way TokPortal sends it: JSON body, event id and type
// headers, and a fresh `TokPortal-Signature` over the exact bytes sent. Plain node:http
// with keep-alive agents: a burst of thousands of events costs a few sockets, not a GC storm.
import http from 'node:http';
import https from 'node:https';
import { signatureHeader } from './signing.js';

export type PostResult = { ok: boolean; statusCode: number | null; error: string | null };

export type WebhookAgents = { 'http:': http.Agent; 'https:': https.Agent; destroy(): void };

/** One pair per dispatcher, destroyed with it so a closed fake leaves no socket behind. */
export function createWebhookAgents(): WebhookAgents {
  const plain = new http.Agent({ keepAlive: true });
  const secure = new https.Agent({ keepAlive: true });
  return {
    'http:': plain,
    'https:': secure,
    destroy: () => {
      plain.destroy();
      secure.destroy();
    },
  };
}

export type PostOptions = { timeoutMs: number; cancel: AbortSignal; agents: WebhookAgents };

export function postSignedWebhook(
  target: { url: string; secret: string },
  event: { id: string; type: string },
  body: string,
  { timeoutMs, cancel, agents }: PostOptions,
): Promise<PostResult> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(target.url);
    } catch {
      resolve({ ok: false, statusCode: null, error: 'invalid url' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      resolve({ ok: false, statusCode: null, error: 'unsupported protocol' });
      return;
    }
    const transport = url.protocol === 'https:' ? https : http;
    const bytes = Buffer.from(body, 'utf8');
    const request = transport.request(url, {
      method: 'POST',
      agent: agents[url.protocol],
      signal: cancel,
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': bytes.length,
        'TokPortal-Event-Id': event.id,
        'TokPortal-Event-Type': event.type,
        'TokPortal-Signature': signatureHeader(target.secret, bytes),
        'User-Agent': 'TokPortal-Webhooks/1.0 (fake)',
      },
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      request.destroy();
    }, timeoutMs);
    request.on('response', (response) => {
      // The answer is not needed; draining it frees the socket for the next delivery.
      response.resume();
      response.on('end', () => {
        clearTimeout(timer);
        const status = response.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        resolve({ ok, statusCode: status, error: ok ? null : `HTTP ${status}` });
      });
      response.on('error', () => undefined);
    });
    request.on('error', () => {
      clearTimeout(timer);
      resolve({ ok: false, statusCode: null, error: timedOut ? 'timeout' : 'connection failed' });
    });
    request.end(bytes);
  });
}
