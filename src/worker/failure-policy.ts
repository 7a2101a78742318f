// What the worker does with an error thrown by a job processor. One decision table for
// every job that calls the API (sync-bundle, list-page), so a 429 or a revoked key is
// handled the same way whichever job met it.
import { isTokPortalApiError, type TokPortalApiError } from '../tokportal/errors.js';

export type FailurePolicy =
  /** 429: pause the whole queue for Retry-After; the job goes back to wait, no attempt spent. */
  | { kind: 'rate-limited'; error: TokPortalApiError }
  /** 401: nothing will work until the key is fixed; stop the worker, keep the job waiting. */
  | { kind: 'auth-rejected'; error: TokPortalApiError }
  /** 5xx, network, timeout, and our own transient failures (database blip): retry with backoff. */
  | { kind: 'retry' }
  /** Another 4xx or an answer we cannot parse: the same request fails the same way; fail now. */
  | { kind: 'give-up' };

export function classifyFailure(error: unknown): FailurePolicy {
  if (!isTokPortalApiError(error)) return { kind: 'retry' };
  if (error.status === 429) return { kind: 'rate-limited', error };
  if (error.status === 401) return { kind: 'auth-rejected', error };
  return error.retryable ? { kind: 'retry' } : { kind: 'give-up' };
}

/** The single line an operator sees when TokPortal refuses the key. */
export function authRejectedMessage(error: TokPortalApiError): string {
  return `TokPortal rejected the API key (${error.code}): check TOKPORTAL_API_KEY`;
}
