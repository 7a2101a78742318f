// The transport under the TokPortal client: one fetch per call, with the key, a timeout,
// the request id and rate-limit headers captured, and every failure turned into a
// TokPortalApiError.
//
// No retries here, on purpose: retrying is the queue's job. BullMQ's backoff and its
// queue-wide rate limiter see every attempt of every process; a retry loop hidden in the
// client would spend rate limit behind their back and hold a worker slot while sleeping.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { PACKAGE_ROOT } from '../lib/package-root.js';
import { apiErrorBodySchema } from './schemas.js';
import { TokPortalApiError, scrubSecret, type RateLimitInfo, type TokPortalErrorCode } from './errors.js';

const packageJson = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
export const CLIENT_HEADER_VALUE = `tokportal-sync/${packageJson.version}`;
export const DEFAULT_TIMEOUT_MS = 15_000;

export type ApiCallInfo = {
  method: string;
  /** The route pattern, e.g. "GET /bundles/:id": never a concrete id (metrics cardinality). */
  route: string;
  /** null when no HTTP answer was read (network error, timeout). */
  status: number | null;
  durationMs: number;
  requestId: string | null;
  rateLimit: RateLimitInfo | null;
};

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
export type QueryValue = string | number | boolean | null | undefined;

export type HttpRequest = {
  method: HttpMethod;
  /** Route pattern for onCall, e.g. "/bundles/:id". */
  route: string;
  /** Concrete path under the base URL, ids already URI-encoded. */
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
};

export type HttpResponse = {
  status: number;
  /** Parsed JSON, or null for an empty body (204). */
  body: unknown;
  requestId: string | null;
  rateLimit: RateLimitInfo | null;
};

export type HttpTransportOptions = {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  onCall?: (info: ApiCallInfo) => void;
  /** Awaited before each request: where a caller outside the queue takes its slot of the shared rate limit. */
  beforeRequest?: () => Promise<void>;
};

const REQUEST_ID_HEADER = 'x-tokportal-request-id';

export class HttpTransport {
  // A private field: util.inspect and JSON.stringify of the client never show the key.
  readonly #apiKey: string;
  readonly #baseUrl: string;
  readonly #timeoutMs: number;
  readonly #onCall: ((info: ApiCallInfo) => void) | undefined;
  readonly #beforeRequest: (() => Promise<void>) | undefined;

  constructor(options: HttpTransportOptions) {
    this.#apiKey = options.apiKey;
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#onCall = options.onCall;
    this.#beforeRequest = options.beforeRequest;
  }

  /** Sends one request; resolves with the 2xx answer, throws TokPortalApiError otherwise. */
  async send(request: HttpRequest): Promise<HttpResponse> {
    await this.#beforeRequest?.();
    const started = performance.now();
    let status: number | null = null;
    let requestId: string | null = null;
    let rateLimit: RateLimitInfo | null = null;
    try {
      let response: Response;
      let text: string;
      try {
        response = await fetch(this.#url(request), {
          method: request.method,
          headers: this.#headers(request.body !== undefined),
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        requestId = response.headers.get(REQUEST_ID_HEADER);
        rateLimit = parseRateLimit(response.headers);
        // Reading the body is under the same timeout signal as the request.
        text = await response.text();
      } catch (error) {
        throw this.#transportError(request, error, requestId, rateLimit);
      }
      status = response.status;
      if (!response.ok) throw this.#statusError(request, response, text, requestId, rateLimit);
      return { status, body: parseSuccessBody(text, request, status, requestId, rateLimit), requestId, rateLimit };
    } finally {
      this.#report({
        method: request.method,
        route: `${request.method} ${request.route}`,
        status,
        durationMs: performance.now() - started,
        requestId,
        rateLimit,
      });
    }
  }

  /** send() and validate the body; a body that does not match is INVALID_RESPONSE (not retryable). */
  async sendParsed<S extends z.ZodType>(request: HttpRequest, schema: S): Promise<HttpResponse & { body: z.output<S> }> {
    const response = await this.send(request);
    const parsed = schema.safeParse(response.body);
    if (!parsed.success) {
      throw new TokPortalApiError({
        status: response.status,
        code: 'INVALID_RESPONSE',
        message: 'the response body does not match the documented shape',
        method: request.method,
        path: request.path,
        details: { issues: summarizeIssues(parsed.error.issues) },
        requestId: response.requestId,
        rateLimit: response.rateLimit,
      });
    }
    return { ...response, body: parsed.data };
  }

  #url(request: HttpRequest): string {
    const url = new URL(`${this.#baseUrl}${request.path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  #headers(hasBody: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      'X-API-Key': this.#apiKey,
      Accept: 'application/json',
      'X-TokPortal-Client': CLIENT_HEADER_VALUE,
    };
    if (hasBody) headers['Content-Type'] = 'application/json';
    return headers;
  }

  #transportError(
    request: HttpRequest,
    error: unknown,
    requestId: string | null,
    rateLimit: RateLimitInfo | null,
  ): TokPortalApiError {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    const code: TokPortalErrorCode = timedOut ? 'TIMEOUT' : 'NETWORK_ERROR';
    const message = timedOut ? `no complete answer within ${this.#timeoutMs} ms` : describeNetworkError(error);
    return new TokPortalApiError({
      status: null,
      code,
      message: scrubSecret(message, this.#apiKey),
      method: request.method,
      path: request.path,
      requestId,
      rateLimit,
    });
  }

  #statusError(
    request: HttpRequest,
    response: Response,
    text: string,
    requestId: string | null,
    rateLimit: RateLimitInfo | null,
  ): TokPortalApiError {
    const envelope = apiErrorBodySchema.safeParse(safeJsonParse(text));
    const apiError = envelope.success ? envelope.data.error : null;
    const details = scrubSecret(apiError?.details ?? {}, this.#apiKey);
    return new TokPortalApiError({
      status: response.status,
      code: apiError?.code ?? `HTTP_${response.status}`,
      message: scrubSecret(apiError?.message || response.statusText || 'request failed', this.#apiKey),
      method: request.method,
      path: request.path,
      details,
      requestId,
      retryAfterSeconds: parseRetryAfter(response.headers.get('retry-after')) ?? retryAfterFromDetails(details),
      rateLimit,
    });
  }

  #report(info: ApiCallInfo): void {
    try {
      this.#onCall?.(info);
    } catch {
      // A broken metrics hook must never turn a good API answer into a failure.
    }
  }
}

function parseSuccessBody(
  text: string,
  request: HttpRequest,
  status: number,
  requestId: string | null,
  rateLimit: RateLimitInfo | null,
): unknown {
  if (text.trim() === '') return null;
  const parsed = safeJsonParse(text);
  if (parsed === undefined) {
    throw new TokPortalApiError({
      status,
      code: 'INVALID_RESPONSE',
      message: 'the response body is not JSON',
      method: request.method,
      path: request.path,
      requestId,
      rateLimit,
    });
  }
  return parsed;
}

function safeJsonParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function headerNumber(headers: Headers, name: string): number | null {
  const value = headers.get(name);
  if (value === null || value.trim() === '') return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

export function parseRateLimit(headers: Headers): RateLimitInfo | null {
  const info: RateLimitInfo = {
    limit: headerNumber(headers, 'x-ratelimit-limit'),
    remaining: headerNumber(headers, 'x-ratelimit-remaining'),
    resetAt: headerNumber(headers, 'x-ratelimit-reset'),
  };
  return info.limit === null && info.remaining === null && info.resetAt === null ? null : info;
}

/** Retry-After is delay-seconds (what TokPortal sends) or, per HTTP, a date. */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed));
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - nowMs) / 1000));
}

function retryAfterFromDetails(details: Record<string, unknown>): number | null {
  const value = details['retry_after_seconds'];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.ceil(value) : null;
}

/** fetch hides the socket error in `cause`: surface its code (ECONNRESET, ...) for operators. */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return 'network error';
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const parts = [error.message];
  if (cause && typeof cause.code === 'string') parts.push(cause.code);
  if (cause && typeof cause.message === 'string' && cause.message !== error.message) parts.push(cause.message);
  return parts.join(': ');
}

function summarizeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
}
