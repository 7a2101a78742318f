// One error class for everything that can go wrong talking to TokPortal, so callers
// decide on `code` / `status` / `retryable` instead of parsing messages. The API key is
// never stored on the error, and every text that came from outside is scrubbed of it
// before it lands here, so logging or serialising an error cannot leak the key.

/** Rate-limit headers of one response. `resetAt` is unix seconds (X-RateLimit-Reset). */
export type RateLimitInfo = { limit: number | null; remaining: number | null; resetAt: number | null };

/** Error codes TokPortal documents; matched on `code`, never on the message. */
export const API_ERROR_CODES = [
  'AUTH_MISSING_KEY',
  'AUTH_INVALID_KEY',
  'AUTH_REVOKED_KEY',
  'RATE_LIMIT_EXCEEDED',
  'INSUFFICIENT_CREDITS',
  'VALIDATION_ERROR',
  'BUNDLE_NOT_FOUND',
  'BUNDLE_NOT_OWNED',
  'BUNDLE_INVALID_STATUS',
  'DUPLICATE_EXTERNAL_REF',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/**
 * Codes the client itself assigns. `HTTP_<status>` is used for a non-2xx answer that has
 * no TokPortal error envelope (a proxy's HTML 502, say): the status still decides retryability.
 */
export type ClientErrorCode = 'NETWORK_ERROR' | 'TIMEOUT' | 'INVALID_RESPONSE' | `HTTP_${number}`;

export type TokPortalErrorCode = ApiErrorCode | ClientErrorCode | (string & {});

export type TokPortalApiErrorInit = {
  status: number | null;
  code: TokPortalErrorCode;
  message: string;
  method: string;
  path: string;
  details?: Record<string, unknown>;
  requestId?: string | null;
  retryAfterSeconds?: number | null;
  rateLimit?: RateLimitInfo | null;
  cause?: unknown;
};

/**
 * Transient failures: the same request may succeed later (the queue retries them with
 * backoff). Everything else (400, 401, 402, 403, 404, 409, an unparseable success body)
 * fails the same way again, so retrying only burns rate limit.
 */
export function isRetryable(status: number | null, code: string): boolean {
  if (code === 'NETWORK_ERROR' || code === 'TIMEOUT') return true;
  if (code === 'INVALID_RESPONSE' || status === null) return false;
  return status === 408 || status === 429 || status >= 500;
}

export class TokPortalApiError extends Error {
  override name = 'TokPortalApiError';
  readonly status: number | null;
  readonly code: TokPortalErrorCode;
  readonly details: Record<string, unknown>;
  readonly requestId: string | null;
  readonly retryAfterSeconds: number | null;
  readonly rateLimit: RateLimitInfo | null;
  readonly retryable: boolean;
  readonly method: string;
  /** The concrete path called, e.g. "/bundles/bnd_1" (never the query string or a header). */
  readonly path: string;

  constructor(init: TokPortalApiErrorInit) {
    const where = `${init.method} ${init.path}`;
    const status = init.status === null ? '' : ` ${init.status}`;
    const request = init.requestId ? ` (request ${init.requestId})` : '';
    super(`TokPortal ${where} failed:${status} ${init.code}: ${init.message}${request}`, {
      cause: init.cause,
    });
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? {};
    this.requestId = init.requestId ?? null;
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
    this.rateLimit = init.rateLimit ?? null;
    this.retryable = isRetryable(init.status, init.code);
    this.method = init.method;
    this.path = init.path;
  }

  /** What a log line or an API answer should carry: every field, nothing else. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      code: this.code,
      details: this.details,
      requestId: this.requestId,
      retryAfterSeconds: this.retryAfterSeconds,
      rateLimit: this.rateLimit,
      retryable: this.retryable,
      method: this.method,
      path: this.path,
    };
  }
}

export const isTokPortalApiError = (error: unknown): error is TokPortalApiError =>
  error instanceof TokPortalApiError;

/**
 * Replaces every occurrence of the secret in a value that came from outside (an error
 * body, a socket error message) before it is kept on an error.
 */
export function scrubSecret<T>(value: T, secret: string): T {
  if (secret.length === 0) return value;
  if (typeof value === 'string') return value.split(secret).join('[redacted]') as T;
  if (Array.isArray(value)) return value.map((item) => scrubSecret(item, secret)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, scrubSecret(item, secret)]),
    ) as T;
  }
  return value;
}
