import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, requireSetting, requireWebhookSecrets } from '../src/config.js';

const key = `sk_${'ab'.repeat(32)}`;

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: undefined,
      redisUrl: 'redis://127.0.0.1:6379',
      baseUrl: 'https://app.tokportal.com/api/ext',
      port: 3000,
      rateLimitPerMin: 120,
      webhookSecrets: [],
      reconcileIntervalMs: 15 * 60_000,
      logLevel: 'info',
    });
  });

  it('splits rotated webhook secrets and trims the base URL', () => {
    const config = loadConfig({
      TOKPORTAL_WEBHOOK_SECRETS: ' whsec_new , whsec_old ,',
      TOKPORTAL_BASE_URL: 'http://127.0.0.1:4010/api/ext/',
      TOKPORTAL_API_KEY: key,
      RECONCILE_INTERVAL: '90s',
    });
    expect(config.webhookSecrets).toEqual(['whsec_new', 'whsec_old']);
    expect(config.baseUrl).toBe('http://127.0.0.1:4010/api/ext');
    expect(config.apiKey).toBe(key);
    expect(config.reconcileIntervalMs).toBe(90_000);
  });

  it.each([
    ['PORT', 'abc', /^Invalid PORT: /],
    ['TOKPORTAL_API_KEY', 'sk_short', /^Invalid TOKPORTAL_API_KEY: expected sk_ followed by 64/],
    ['DATABASE_URL', 'mysql://x', /^Invalid DATABASE_URL: expected a postgres/],
    ['REDIS_URL', 'localhost:6379', /^Invalid REDIS_URL: /],
    ['RECONCILE_INTERVAL', 'soon', /^Invalid RECONCILE_INTERVAL: expected a duration/],
    ['TOKPORTAL_RATE_LIMIT_PER_MIN', '0', /^Invalid TOKPORTAL_RATE_LIMIT_PER_MIN: /],
    ['ADMIN_TOKEN', 'short', /^Invalid ADMIN_TOKEN: expected at least 16/],
  ])('rejects a bad %s with one line naming it', (variable, value, message) => {
    const attempt = () => loadConfig({ [variable]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });

  it('never echoes a rejected secret value', () => {
    const secretLike = `sk_${'Z'.repeat(64)}`;
    try {
      loadConfig({ TOKPORTAL_API_KEY: secretLike });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain(secretLike);
    }
  });

  it('names what a command is missing', () => {
    const config = loadConfig({});
    expect(() => requireSetting(config, 'apiKey', 'the worker refetches bundles')).toThrow(
      'Missing TOKPORTAL_API_KEY: the worker refetches bundles',
    );
    expect(() => requireWebhookSecrets(config)).toThrow(/^Missing TOKPORTAL_WEBHOOK_SECRETS/);
  });
});
