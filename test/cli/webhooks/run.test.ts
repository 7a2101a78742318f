// `tokportal-sync webhooks ...` run as the operator runs it: the real binary in a child
// process, pointed at the fake TokPortal, with a real receiver writing the inbox of a test database.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEvents } from '../../../src/db/schema.js';
import type { FakeTokPortal } from '../../../fake-tokportal/index.js';
import { TokPortalClient } from '../../../src/tokportal/client.js';
import { KNOWN_EVENT_TYPES } from '../../../src/tokportal/schemas.js';
import type { TestDatabase } from '../../support/postgres.js';
import { startStack, type Stack, type TestReceiver } from '../../support/stack.js';

const BIN = fileURLToPath(new URL('../../../bin/tokportal-sync.js', import.meta.url));
const UNKNOWN_KEY = 'sk_' + 'e'.repeat(64);
// A port nothing listens on (TCP port 9 is "discard"; refused on loopback).
const DEAD_URL = 'http://127.0.0.1:9/webhooks/tokportal';

type Run = { code: number; stdout: string; stderr: string };

let fake: FakeTokPortal;
let client: TokPortalClient;
let stack: Stack;
let db: TestDatabase;
let receiver: TestReceiver;
let endpointId: string;
let secret: string;

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'webhooks', ...args],
      {
        env: {
          ...process.env,
          TOKPORTAL_API_KEY: fake.apiKey,
          TOKPORTAL_BASE_URL: fake.baseUrl,
          DATABASE_URL: '',
          LOG_LEVEL: 'silent',
          TOKPORTAL_RATE_LIMIT_PER_MIN: '600',
          ...env,
        },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  stack = await startStack({ label: 'webhookscli', fake: { bundles: 8, seed: 'webhooks-cli', delivery: { maxAttempts: 1 } } });
  fake = stack.fake;
  db = stack.database!;
  client = new TokPortalClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
});

afterAll(async () => {
  await stack?.close();
});

describe('register, list and a rejected key', () => {
  it('creates the endpoint for every catalog event and prints the secret once with how to set it', async () => {
    const run = await cli(['register', '--url', DEAD_URL]);
    expect(run.code).toBe(0);
    const id = /Registered webhook endpoint (\S+)/.exec(run.stdout)?.[1];
    expect(id).toBeTruthy();
    endpointId = id!;
    const endpoint = await client.webhooks.get(endpointId);
    expect(endpoint.url).toBe(DEAD_URL);
    expect(endpoint.events).toEqual(expect.arrayContaining([...KNOWN_EVENT_TYPES]));
    secret = /^ {2}(\S+)$/m.exec(run.stdout.split('Signing secret')[1]!)![1]!;
    expect(secret).toBe(fake.service.webhooks.byId(endpointId)!.secret);
    expect(run.stdout).toContain(`TOKPORTAL_WEBHOOK_SECRETS=${secret}\n`);
    expect(run.stdout).toContain(`TOKPORTAL_WEBHOOK_SECRETS=${secret},<old secret>`);
    expect(run.stderr).toContain('https'); // the note about a plain http URL
  });

  it('subscribes to the given events only; lists endpoints; a rejected key exits 3 without echoing it', async () => {
    const [chosen, table, rejected] = await Promise.all([
      cli(['register', '--url', DEAD_URL, '--events', 'account.remade, bundle.created', '--description', 'two']),
      cli(['list']),
      cli(['list'], { TOKPORTAL_API_KEY: UNKNOWN_KEY }),
    ]);
    expect(chosen.code).toBe(0);
    const id = /Registered webhook endpoint (\S+)/.exec(chosen.stdout)![1]!;
    expect(await client.webhooks.get(id)).toMatchObject({ events: ['account.remade', 'bundle.created'], description: 'two' });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^${endpointId}\\s+yes\\s+\\d+\\s+${DEAD_URL.replace(/[.]/g, '\\.')}`, 'm'));
    expect(table.stdout).not.toContain(secret);
    expect(rejected.code).toBe(3);
    expect(rejected.stderr).toContain('AUTH_INVALID_KEY');
    expect(rejected.stderr).toContain('check TOKPORTAL_API_KEY');
    expect(rejected.stderr).not.toMatch(/\n\s+at /); // one line, no stack trace
    expect(rejected.stderr + rejected.stdout).not.toContain(UNKNOWN_KEY);
  });
});

describe('test and recover, end to end through the receiver', () => {
  beforeAll(async () => {
    receiver = await stack.startReceiver({ env: { TOKPORTAL_WEBHOOK_SECRETS: secret } });
  });

  it('test shows the inbox row of the event it sent', async () => {
    await client.webhooks.update(endpointId, { url: `${receiver.url}/webhooks/tokportal` });
    const run = await cli(['test', endpointId], { DATABASE_URL: db.url });
    expect(run.code).toBe(0);
    const eventId = /\(event (\S+)\)/.exec(run.stdout)?.[1];
    expect(eventId).toMatch(/^evt_/);
    expect(run.stdout).toContain('delivery succeeded');
    expect(run.stdout).toMatch(new RegExp(`event_id\\s+${eventId}`));
    expect(run.stdout).toMatch(/type\s+webhook\.test/);
    const rows = await db.db.select().from(webhookEvents).where(eq(webhookEvents.eventId, eventId!));
    expect(rows).toHaveLength(1);
  });

  it('test of a delivery that cannot land exits 1 and says what to check', async () => {
    const stranger = await client.webhooks.create({ url: `${receiver.url}/webhooks/tokportal`, events: ['webhook.test'] });
    const rejected = await cli(['test', stranger.id, '--wait', '1'], { DATABASE_URL: db.url });
    // The receiver does not know this endpoint's secret: 401, nothing in the inbox.
    expect(rejected.stdout).toContain('FAILED (HTTP 401)');
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('TOKPORTAL_WEBHOOK_SECRETS');
  });

  it('recover re-sends what failed during an outage, once per event, into the inbox', async () => {
    await client.webhooks.update(endpointId, { url: DEAD_URL });
    const ids = fake.listBundleIds().slice(0, 3);
    for (const id of ids) await fake.patch(id, { title: `outage ${id}`, events: ['bundle.published'] });
    await fake.flushWebhooks();
    const failed = (await client.webhooks.listDeliveries(endpointId, { success: false })).data;
    const failedEventIds = [...new Set(failed.map((delivery) => delivery.event_id!))];
    expect(failedEventIds.length).toBeGreaterThanOrEqual(3);

    const dry = await cli(['recover', endpointId, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`Dry run: would re-send ${failedEventIds.length}.`);

    await client.webhooks.update(endpointId, { url: `${receiver.url}/webhooks/tokportal` });
    const run = await cli(['recover', endpointId, '--since', '2000-01-01T00:00:00Z']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Re-sent: ${failedEventIds.length}, retry calls failed: 0, reported undelivered again: 0`);
    expect(run.stdout).toContain(`API calls: ${1 + failedEventIds.length}, 429 waits: 0`);
    const stored = await db.db.select({ id: webhookEvents.eventId }).from(webhookEvents);
    expect(stored.map((row) => row.id)).toEqual(expect.arrayContaining(failedEventIds));
    expect((await client.webhooks.listDeliveries(endpointId, { success: false })).data).toEqual([]);
  });

  it('delete removes the endpoint', async () => {
    const deleted = await cli(['delete', endpointId]);
    expect(deleted.code).toBe(0);
    expect((await client.webhooks.list()).map((endpoint) => endpoint.id)).not.toContain(endpointId);
  });
});
