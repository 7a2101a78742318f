// Liveness and readiness, served by the receiver and by a standalone worker's ops server. /healthz only says the process answers (a restart is the cure for
// nothing else); /readyz checks what serving needs, each with a short timeout so a hung
// dependency makes the probe fail fast instead of hanging the load balancer.
import { Hono } from 'hono';
import type { Redis } from 'ioredis';
import { pingDatabase, type Database } from '../db/connection.js';
import { pingRedis } from '../queue/redis.js';
import { withTimeout } from '../lib/with-timeout.js';

export type ReadinessOptions = { db: Database; redis: Redis; timeoutMs?: number };

export type CheckResult = { ok: true; latencyMs: number } | { ok: false; error: string };

export function healthRoutes(options: ReadinessOptions): Hono {
  const timeoutMs = options.timeoutMs ?? 1_000;
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const [postgres, redis] = await Promise.all([
      timedCheck(() => pingDatabase(options.db), timeoutMs),
      timedCheck(() => pingRedis(options.redis, timeoutMs), timeoutMs + 100),
    ]);
    const ready = postgres.ok && redis.ok;
    return c.json({ status: ready ? 'ready' : 'not_ready', checks: { postgres, redis } }, ready ? 200 : 503);
  });
  return app;
}

export async function timedCheck(probe: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  try {
    await withTimeout(probe(), timeoutMs, 'probe');
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
