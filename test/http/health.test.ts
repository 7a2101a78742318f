// /healthz and /readyz over HTTP: liveness without touching the dependencies, readiness
// checking Postgres and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startStack, type Stack, type TestReceiver } from '../support/stack.js';

let stack: Stack;
let guarded: TestReceiver;

beforeAll(async () => {
  stack = await startStack({ label: 'health', env: { ADMIN_TOKEN }, receiver: true });
  guarded = stack.receiver;
});
afterAll(async () => {
  await stack?.close();
});

describe('health and readiness', () => {
  it('answers /healthz and a /readyz that checks Postgres and Redis', async () => {
    const health = await fetch(`${guarded.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const ready = await fetch(`${guarded.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; checks: Record<string, { ok: boolean; latencyMs: number }> };
    expect(body.status).toBe('ready');
    expect(body.checks.postgres?.ok).toBe(true);
    expect(body.checks.redis?.ok).toBe(true);
    expect(typeof body.checks.redis?.latencyMs).toBe('number');
  });
});
