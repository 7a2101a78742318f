// The fake TokPortal with test-friendly defaults: no rate limit, no latency, fast webhook
// retries and short delivery timeouts, unless a test asks otherwise.
import { startFakeTokPortal, type FakeTokPortal, type FakeTokPortalOptions } from '../../fake-tokportal/index.js';

export type { FakeTokPortal, FakeTokPortalOptions };

export async function startTestFake(opts: FakeTokPortalOptions = {}): Promise<FakeTokPortal> {
  return startFakeTokPortal({
    ...opts,
    rateLimitPerMin: opts.rateLimitPerMin ?? 0,
    faults: { latencyMs: 0, ...opts.faults },
    delivery: { retryBaseMs: 20, timeoutMs: 2_000, ...opts.delivery },
  });
}
