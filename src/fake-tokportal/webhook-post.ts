// One signed webhook POST, the way TokPortal sends it: JSON body, event id and type
// headers, and a fresh `TokPortal-Signature` over the exact bytes sent.
import { signatureHeader } from '../tokportal/signature.js';

export type PostResult = { ok: boolean; statusCode: number | null; error: string | null };

export async function postSignedWebhook(
  target: { url: string; secret: string },
  event: { id: string; type: string },
  body: string,
  timeoutMs: number,
  cancel: AbortSignal,
): Promise<PostResult> {
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'TokPortal-Event-Id': event.id,
        'TokPortal-Event-Type': event.type,
        'TokPortal-Signature': signatureHeader(target.secret, body),
        'User-Agent': 'TokPortal-Webhooks/1.0 (fake)',
      },
      body,
      signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), cancel]),
    });
    // The answer is not needed; reading it frees the connection for reuse.
    await response.arrayBuffer().catch(() => undefined);
    return response.ok
      ? { ok: true, statusCode: response.status, error: null }
      : { ok: false, statusCode: response.status, error: `HTTP ${response.status}` };
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    return { ok: false, statusCode: null, error: timedOut ? 'timeout' : 'connection failed' };
  }
}
