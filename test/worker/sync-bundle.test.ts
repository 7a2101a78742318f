// The sync-bundle job: refreshBundle against the fake TokPortal over HTTP, on real Postgres
// (through a real worker on real Redis) and on the embedded PGlite of `start`: what lands in
// the mirror, and what happens to the inbox. (How the worker handles failures: worker.test.ts.)
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertInboxEvents } from '../../src/db/inbox-insert.js';
import { webhookEvents } from '../../src/db/schema.js';
import { startFakeTokPortal, type FakeTokPortal } from '../../fake-tokportal/index.js';
import { enqueueBundleSyncs } from '../../src/queue/sync-queue.js';
import { TokPortalClient } from '../../src/tokportal/client.js';
import { refreshBundle } from '../../src/worker/sync-bundle.js';
import { DATABASE_BACKENDS, type OpenedBackend } from '../support/backends.js';
import { insertPendingEvents } from '../support/inbox-history.js';
import { apiView, mirrorView, readBundle, readEventStatuses } from '../support/mirror.js';
import { startStack, type Stack } from '../support/stack.js';
import { waitForIdleQueue } from '../support/wait.js';

const OTHER_KEY = `sk_${'ab'.repeat(32)}`;
const UNKNOWN_KEY = `sk_${'0'.repeat(64)}`;

let stack: Stack;
let fake: FakeTokPortal;
let bundleIds: string[];

/** A queue of its own (a fork of the stack: same database and fake, own Redis prefix and runtime). */
const newQueue = (label: string, env: Record<string, string> = {}) => stack.fork(label, { env });

beforeAll(async () => {
  stack = await startStack({ label: 'worker', fake: { bundles: 30, seed: 'worker-tests' } });
  fake = stack.fake;
  bundleIds = fake.listBundleIds();
});

afterAll(async () => {
  await stack?.close();
});

describe('sync-bundle job', () => {
  it('mirrors the bundle as the API shows it now and closes the inbox events received before the fetch', async () => {
    const bundleId = bundleIds[0]!;
    const events = await insertPendingEvents(stack.db, bundleId, 2);
    const q = await newQueue('apply');
    await enqueueBundleSyncs(q.queue, [{ bundleId, reason: 'webhook', sourceRef: events[0] }]);
    await q.startWorker();
    await waitForIdleQueue(q.queue);

    expect(mirrorView(await readBundle(stack.db, bundleId))).toEqual(apiView(fake.getBundle(bundleId)));
    const statuses = await readEventStatuses(stack.db, events);
    expect([...statuses.values()]).toEqual(['processed', 'processed']);
    const lag = await q.metrics.syncLagSeconds.get();
    expect(lag.values.find((value) => value.metricName?.endsWith('_count'))?.value).toBe(2);
    const completed = await q.queue.getJobCounts('completed', 'failed');
    expect(completed).toEqual({ completed: 1, failed: 0 });
  });

  it('404 tombstones the bundle, 403 flags it not owned and closes its events with the reason', async () => {
    const [gone, foreign] = [bundleIds[1]!, bundleIds[2]!];
    const owner = new TokPortalClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    await refreshBundle({ db: stack.db, client: owner }, { bundleId: gone, reason: 'manual' });
    await refreshBundle({ db: stack.db, client: owner }, { bundleId: foreign, reason: 'manual' });

    const goneEvents = await insertPendingEvents(stack.db, gone, 1);
    await fake.remove(gone);
    const tombstone = await refreshBundle({ db: stack.db, client: owner }, { bundleId: gone, reason: 'webhook' });
    expect(tombstone).toMatchObject({ kind: 'tombstoned', changed: true, eventsProcessed: 1 });
    expect((await readBundle(stack.db, gone))?.deletedAt).toBeInstanceOf(Date);
    expect((await readEventStatuses(stack.db, goneEvents)).get(goneEvents[0]!)).toBe('processed');

    const foreignEvents = await insertPendingEvents(stack.db, foreign, 2);
    const stranger = new TokPortalClient({ baseUrl: fake.baseUrl, apiKey: UNKNOWN_KEY });
    await expect(refreshBundle({ db: stack.db, client: stranger }, { bundleId: foreign, reason: 'webhook' })).rejects.toMatchObject({
      status: 401,
    });
    const other = await startFakeTokPortal({ bundles: 3, seed: 'worker-tests', rateLimitPerMin: 0, apiKeys: [fake.apiKey, OTHER_KEY] });
    try {
      const otherOwned = other.listBundleIds()[0]!;
      const notOwner = new TokPortalClient({ baseUrl: other.baseUrl, apiKey: OTHER_KEY });
      const ownerOfOther = new TokPortalClient({ baseUrl: other.baseUrl, apiKey: fake.apiKey });
      await refreshBundle({ db: stack.db, client: ownerOfOther }, { bundleId: otherOwned, reason: 'manual' });
      const otherEvents = await insertPendingEvents(stack.db, otherOwned, 2);
      const refusal = await refreshBundle({ db: stack.db, client: notOwner }, { bundleId: otherOwned, reason: 'webhook' });
      expect(refusal).toMatchObject({ kind: 'not_owned', changed: true, eventsProcessed: 2 });
      expect((await readBundle(stack.db, otherOwned))?.notOwnedAt).toBeInstanceOf(Date);
      const rows = await stack.db.select().from(webhookEvents).where(eq(webhookEvents.bundleId, otherOwned));
      expect(rows.map((row) => [row.status, row.statusReason])).toEqual(
        otherEvents.map(() => ['not_applicable', expect.stringContaining('BUNDLE_NOT_OWNED')]),
      );
    } finally {
      await other.close();
    }
    // The 401 above changed nothing: the events of `foreign` are still pending.
    expect([...(await readEventStatuses(stack.db, foreignEvents)).values()]).toEqual(['enqueued', 'enqueued']);
  });
});

describe.each(DATABASE_BACKENDS)('refreshBundle on $name', (backend) => {
  let opened: OpenedBackend;
  let fake: FakeTokPortal;
  beforeAll(async () => {
    opened = await backend.open('refresh');
    // After the (slow, event-loop-blocking) PGlite boot, so no idle keep-alive socket goes stale meanwhile.
    fake = await startFakeTokPortal({ bundles: 4, seed: 'refresh-backends', rateLimitPerMin: 0 });
  });
  afterAll(async () => {
    await fake?.close();
    await opened?.close();
  });

  it('applies the detail, reports the outcome, and closes the events received before the fetch', async () => {
    const client = new TokPortalClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    const bundleId = fake.listBundleIds()[0]!;
    await insertInboxEvents(opened.db, [{ eventId: `evt_${backend.name}_1`, type: 'bundle.published', bundleId, payload: {}, status: 'enqueued' }]);

    const first = await refreshBundle({ db: opened.db, client }, { bundleId, reason: 'webhook', sourceRef: `evt_${backend.name}_1` });
    expect(first).toMatchObject({ kind: 'applied', result: { outcome: 'created' }, eventsProcessed: 1 });
    expect(mirrorView(await readBundle(opened.db, bundleId))).toEqual(apiView(fake.getBundle(bundleId)));
    expect((await readEventStatuses(opened.db, [`evt_${backend.name}_1`])).get(`evt_${backend.name}_1`)).toBe('processed');

    const again = await refreshBundle({ db: opened.db, client }, { bundleId, reason: 'manual' });
    expect(again).toMatchObject({ kind: 'applied', result: { outcome: 'unchanged' }, eventsProcessed: 0 });
  });
});
