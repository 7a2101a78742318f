// Reads of the mirror's bundles: the sync state the detail policy decides on (on both databases
// the mirror runs on), and the live bundles a listing missed. (The describes keep the names these
// tests had in repository.test.ts and sync-runs.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { findUnlistedBundleIds, getBundleSyncStates } from '../../src/db/bundles-read.js';
import type { Database } from '../../src/db/connection.js';
import { applyBundleSnapshot, applyBundleSnapshots } from '../../src/db/repository.js';
import type { Observation, ObservationSource } from '../../src/sync/observation.js';
import type { BundleDetail } from '../../src/tokportal/schemas.js';
import { DATABASE_BACKENDS, type OpenedBackend } from '../support/backends.js';
import { at, listItemOf, makeDetail, makeListItem } from '../support/bundles.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const webhook: ObservationSource = { source: 'webhook', sourceRef: 'evt_1' };
const detail = (bundle: BundleDetail): Observation => ({ kind: 'detail', bundle });

describe.each(DATABASE_BACKENDS)('repository on $name', (backend) => {
  let opened: OpenedBackend;
  let db: Database;
  beforeAll(async () => {
    opened = await backend.open('bundlesread');
    db = opened.db;
  });
  afterAll(async () => opened?.close());

  it('reports sync states, including the updated_at of the last detail', async () => {
    const bundle = makeDetail({ updated_at: at(1) });
    const listedOnly = makeListItem({ updated_at: at(1) });
    await applyBundleSnapshots(db, [detail(bundle), { kind: 'list', bundle: listedOnly }], webhook);
    await applyBundleSnapshot(db, { kind: 'list', bundle: { ...listItemOf(bundle), updated_at: at(2) } }, webhook);
    const states = await getBundleSyncStates(db, [bundle.id, listedOnly.id, 'bnd_unknown']);
    expect(states.size).toBe(2);
    expect(states.get(bundle.id)).toMatchObject({ apiUpdatedAt: new Date(at(2)), detailUpdatedAt: new Date(at(1)), remadeCount: 0, accountStatus: 'finalized', status: 'accepted', deletedAt: null });
    expect(states.get(bundle.id)!.detailSyncedAt).toBeInstanceOf(Date);
    expect(states.get(listedOnly.id)).toMatchObject({ detailSyncedAt: null, detailUpdatedAt: null });
    expect(await getBundleSyncStates(db, [])).toEqual(new Map());
  });
});

describe('sync runs', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('unlisted');
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('finds the live bundles a listing missed, not the ones it showed, deleted ones or newcomers', async () => {
    const { db } = database;
    const listingStart = new Date('2026-03-01T12:00:00Z');
    const before = '2026-03-01T11:00:00Z';
    const after = '2026-03-01T12:30:00Z';
    const row = (id: string, extra: string) =>
      db.execute(sql.raw(`insert into tokportal.bundles (bundle_id, status, raw, content_hash, api_updated_at, first_seen_at, last_listed_at, deleted_at)
        values ('${id}', 'published', '{}', 'h', now(), ${extra})`));
    await row('bnd_listed', `'${before}', '${after}', null`);
    await row('bnd_missed', `'${before}', '${before}', null`);
    await row('bnd_never_listed', `'${before}', null, null`);
    await row('bnd_deleted', `'${before}', '${before}', now()`);
    await row('bnd_newcomer', `'${after}', null, null`);
    expect(await findUnlistedBundleIds(db, listingStart)).toEqual(['bnd_missed', 'bnd_never_listed']);
  });
});
