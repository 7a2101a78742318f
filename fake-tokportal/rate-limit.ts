// TokPortal's limit: a token bucket per API key, as large as the per-minute limit and
// refilling continuously (120/min = 2 tokens a second), so bursts up to the bucket pass.

export type RateDecision = {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds when the bucket is full again. */
  resetAt: number;
  /** Seconds until one token is available (only meaningful when refused). */
  retryAfterSeconds: number;
};

type Bucket = { tokens: number; updatedMs: number };

export class RateLimiter {
  private buckets = new Map<string, Bucket>();

  /** 0 = unlimited. */
  constructor(
    private perMinute: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  get limit(): number {
    return this.perMinute;
  }

  setLimit(perMinute: number): void {
    this.perMinute = perMinute;
    this.buckets = new Map();
  }

  take(key: string): RateDecision | null {
    if (this.perMinute <= 0) return null;
    const now = this.nowMs();
    const ratePerMs = this.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, updatedMs: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updatedMs) * ratePerMs);
    bucket.updatedMs = now;
    this.buckets.set(key, bucket);
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    return {
      allowed,
      limit: this.perMinute,
      remaining: Math.floor(bucket.tokens),
      resetAt: Math.ceil((now + (this.perMinute - bucket.tokens) / ratePerMs) / 1000),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000)),
    };
  }
}
