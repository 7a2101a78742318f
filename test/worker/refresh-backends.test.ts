// refreshBundle on both databases the mirror runs on (Postgres and the embedded PGlite of
// `start`): the fetch, the guarded apply and the inbox bookkeeping behave the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertInboxEvents } from '../../src/db/inbox-insert.js';
import { startFakeTokPortal, type FakeTokPortal } from '../../fake-tokportal/index.js';
import { TokPortalClient } from '../../src/tokportal/client.js';
import { databaseNow } from '../../src/db/clock.js';
import { refreshBundle } from '../../src/worker/sync-bundle.js';
import { DATABASE_BACKENDS, type OpenedBackend } from '../support/backends.js';
import { apiView, mirrorView, readBundle, readEventStatuses } from './harness.js';

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

  it('reads the database clock', async () => {
    const before = Date.now();
    const now = await databaseNow(opened.db);
    expect(Math.abs(now.getTime() - before)).toBeLessThan(5_000);
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
