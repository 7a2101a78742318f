// Started while Postgres does not answer (a deploy during a database failover): the receiver
// starts anyway, answers webhooks 503 with Retry-After and /readyz 503, and accepts as soon as
// Postgres answers; a worker waits, says so once, and starts when it does. Postgres is reached
// through a TCP proxy the test stops and starts, so nothing else on the machine is disturbed.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEvents } from '../../src/db/schema.js';
import { runCli, type CliProcess } from '../support/cli-process.js';
import { ADMIN_URL, createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { TEST_REDIS_URL, deleteRedisPrefix, uniquePrefix } from '../support/redis.js';
import { createTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';
import { OLD_SECRET, SECRET, deliver, makeEnvelope } from '../support/webhooks.js';

let database: TestDatabase;
let proxy: TcpProxy;
const prefix = uniquePrefix('pgdown');
const children: CliProcess[] = [];

/** The test database's URL, through the proxy. */
function proxiedUrl(): string {
  const url = new URL(database.url);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}

beforeAll(async () => {
  database = await createTestDatabase('pgdown');
  const admin = new URL(ADMIN_URL);
  proxy = await createTcpProxy({ host: admin.hostname, port: Number(admin.port || 5432) });
});
afterAll(async () => {
  for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
  await proxy?.close();
  await database?.drop();
  await deleteRedisPrefix(prefix);
});

function run(args: string[]): CliProcess {
  const child = runCli(args, {
    DATABASE_URL: proxiedUrl(),
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    TOKPORTAL_WEBHOOK_SECRETS: `${SECRET},${OLD_SECRET}`,
    TOKPORTAL_API_KEY: `sk_${'cd'.repeat(32)}`,
    TOKPORTAL_BASE_URL: 'http://127.0.0.1:1/api/ext',
    LOG_LEVEL: 'info',
  });
  children.push(child);
  return child;
}

const count = (text: string, pattern: RegExp) => (text.match(new RegExp(pattern, 'g')) ?? []).length;

describe('receiver started while Postgres is down', () => {
  it('answers 503 + Retry-After and /readyz 503, then 2xx once Postgres answers', async () => {
    await proxy.stop();
    const receiver = run(['receiver', '--port', '0', '--host', '127.0.0.1']);
    await receiver.waitForOutput(/"msg":"receiver listening"/, 30_000);
    const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"receiver listening"/.exec(receiver.output().stdout)![1]!;

    const refused = await deliver(url, makeEnvelope({ bundleId: 'bun_pgdown' }));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ error: { code: 'INBOX_UNAVAILABLE' } });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not_ready', checks: { postgres: { ok: false }, migrations: { ok: false } } });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    await proxy.start();
    const envelope = makeEnvelope({ bundleId: 'bun_pgback' });
    let status = 0;
    await waitFor(
      async () => {
        status = (await deliver(url, envelope)).status;
        return status === 200;
      },
      { timeoutMs: 30_000, what: 'the receiver to accept once Postgres answers' },
    );
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const [row] = await database.db.select().from(webhookEvents).where(eq(webhookEvents.eventId, envelope.id as string));
    expect(row?.bundleId).toBe('bun_pgback');
    const logs = receiver.output().stdout;
    expect(count(logs, /Postgres is not reachable/)).toBe(1);
    expect(logs).toContain('Postgres answers again: migrations applied');

    receiver.child.kill('SIGTERM');
    expect((await receiver.exited).code).toBe(0);
  }, 90_000);
});

describe('worker started while Postgres is down', () => {
  it('waits, says so once, and starts when Postgres answers', async () => {
    await proxy.stop();
    const worker = run(['worker', '--no-reconcile']);
    await worker.waitForOutput(/Postgres is not reachable: waiting for it/, 30_000);
    // Several retries go by (1 s, 2 s, 4 s ...) without another line about it.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(worker.child.exitCode).toBeNull();
    await proxy.start();
    await worker.waitForOutput(/"msg":"sync worker started"/, 30_000);
    expect(count(worker.output().stdout, /Postgres is not reachable/)).toBe(1);
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  }, 90_000);
});
