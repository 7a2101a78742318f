import { describe, expect, it } from 'vitest';
import { TokPortalApiError, isRetryable, scrubSecret } from '../../src/tokportal/errors.js';

describe('isRetryable', () => {
  it.each([
    [429, 'RATE_LIMIT_EXCEEDED', true],
    [500, 'HTTP_500', true],
    [503, 'SERVICE_UNAVAILABLE', true],
    [408, 'HTTP_408', true],
    [null, 'NETWORK_ERROR', true],
    [null, 'TIMEOUT', true],
    [400, 'VALIDATION_ERROR', false],
    [401, 'AUTH_INVALID_KEY', false],
    [402, 'INSUFFICIENT_CREDITS', false],
    [403, 'BUNDLE_NOT_OWNED', false],
    [404, 'BUNDLE_NOT_FOUND', false],
    [409, 'BUNDLE_INVALID_STATUS', false],
    [200, 'INVALID_RESPONSE', false],
  ] as const)('status %s code %s → %s', (status, code, expected) => {
    expect(isRetryable(status, code)).toBe(expected);
  });
});

describe('TokPortalApiError', () => {
  it('names method, path, status, code and request id in its message', () => {
    const error = new TokPortalApiError({
      status: 404,
      code: 'BUNDLE_NOT_FOUND',
      message: 'Bundle not found',
      method: 'GET',
      path: '/bundles/bnd_1',
      requestId: 'req_1',
    });
    expect(error.message).toBe('TokPortal GET /bundles/bnd_1 failed: 404 BUNDLE_NOT_FOUND: Bundle not found (request req_1)');
    expect(error.retryable).toBe(false);
    expect(error).toBeInstanceOf(Error);
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ code: 'BUNDLE_NOT_FOUND', status: 404, requestId: 'req_1', details: {} });
  });
});

describe('scrubSecret', () => {
  it('replaces the secret everywhere in nested values and leaves the rest', () => {
    const secret = 'sk_' + 'a'.repeat(64);
    const scrubbed = scrubSecret({ message: `bad key ${secret}`, list: [secret, 3], nested: { key: secret }, n: null }, secret);
    expect(JSON.stringify(scrubbed)).not.toContain(secret);
    expect(scrubbed).toEqual({
      message: 'bad key [redacted]',
      list: ['[redacted]', 3],
      nested: { key: '[redacted]' },
      n: null,
    });
  });
});
