// `tokportal-sync receiver` as an operator runs it: the real binary in a child process, JSON
// logs on stdout. Redis points at a closed port, so this also checks the one-line "Redis is
// missing" message and that webhooks are still accepted. Secrets must never reach the logs.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEvents } from '../../../src/db/schema.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { uniquePrefix } from '../../support/redis.js';
import { ADMIN_TOKEN } from '../../support/stack.js';
import { OLD_SECRET, SECRET, deliver, makeEnvelope } from '../../support/webhooks.js';

const BIN = fileURLToPath(new URL('../../../bin/tokportal-sync.js', import.meta.url));
const API_KEY = `sk_${'ab'.repeat(32)}`;

let database: TestDatabase;
let child: ChildProcess;
let output = '';
let url = '';
let exitCode: Promise<number | null>;

function waitForOutput(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`no ${pattern} in output:\n${output}`)), timeoutMs);
    const check = () => {
      const match = pattern.exec(output);
      if (!match) return;
      clearTimeout(deadline);
      child.stdout?.off('data', check);
      resolve(match);
    };
    child.stdout?.on('data', check);
    check();
  });
}

beforeAll(async () => {
  database = await createTestDatabase('receivercmd');
  child = spawn(process.execPath, [BIN, 'receiver', '--port', '0', '--host', '127.0.0.1'], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      REDIS_URL: 'redis://127.0.0.1:1',
      QUEUE_PREFIX: uniquePrefix('receivercmd'),
      TOKPORTAL_WEBHOOK_SECRETS: `${SECRET},${OLD_SECRET}`,
      TOKPORTAL_API_KEY: API_KEY,
      ADMIN_TOKEN,
      LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  exitCode = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  url = (await waitForOutput(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/))[1]!;
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await database?.drop();
});

describe('tokportal-sync receiver', () => {
  it('says in one line that Redis is missing and how to get it, and keeps receiving', async () => {
    expect(output).toMatch(/Redis is not reachable at redis:\/\/127\.0\.0\.1:1: start a local redis-server or `docker compose up -d redis`/);

    const envelope = makeEnvelope({ bundleId: 'bun_cmd' });
    expect((await deliver(url, envelope)).status).toBe(200);
    const [row] = await database.db.select().from(webhookEvents).where(eq(webhookEvents.eventId, envelope.id as string));
    expect(row).toMatchObject({ status: 'received', enqueuedAt: null });
  });

  it('never writes the signing secrets, API key, admin token or a signature header to its logs', async () => {
    // Exercise the paths that log: good and bad signatures, a rejected body, an admin scrape.
    const signed = await deliver(url, makeEnvelope({ bundleId: 'bun_cmd_2' }));
    expect(signed.status).toBe(200);
    const forged = await deliver(url, makeEnvelope({ bundleId: 'bun_cmd_3' }), { signature: `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` });
    expect(forged.status).toBe(401);
    expect((await deliver(url, '{"broken":', { eventId: 'evt_cmd_broken' })).status).toBe(400);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
    await waitForOutput(/webhook refused: signature/);

    expect(output).toContain('"msg":"receiver configuration"');
    expect(output).toContain('[redacted]');
    for (const secret of [SECRET, OLD_SECRET, API_KEY, ADMIN_TOKEN, database.url]) expect(output).not.toContain(secret);
    expect(output).not.toMatch(/v1=[0-9a-f]{64}/);
  });

  it('stops gracefully on SIGTERM with exit code 0', async () => {
    child.kill('SIGTERM');
    expect(await exitCode).toBe(0);
    expect(output).toContain('receiver stopped');
  });
});
