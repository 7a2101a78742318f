// The repository against both databases it runs on: real Postgres and in-memory PGlite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import {
  applyBundleSnapshot,
  applyBundleSnapshots,
  markBundleNotOwned,
  tombstoneBundle,
} from '../../src/db/repository.js';
import type { Database } from '../../src/db/connection.js';
import { bundleAccounts, bundles, bundleVersions, bundleVideos } from '../../src/db/schema.js';
import type { Observation, ObservationSource } from '../../src/sync/observation.js';
import type { BundleDetail } from '../../src/tokportal/schemas.js';
import { DATABASE_BACKENDS, type OpenedBackend } from '../support/backends.js';
import { at, listItemOf, makeDetail, makeListItem, remadeDetail } from '../support/bundles.js';

const webhook: ObservationSource = { source: 'webhook', sourceRef: 'evt_1' };
const detail = (bundle: BundleDetail): Observation => ({ kind: 'detail', bundle });

describe.each(DATABASE_BACKENDS)('repository on $name', (backend) => {
  let opened: OpenedBackend;
  let db: Database;
  beforeAll(async () => {
    opened = await backend.open('repository');
    db = opened.db;
  });
  afterAll(async () => opened?.close());

  const rowOf = async (id: string) => (await db.select().from(bundles).where(eq(bundles.bundleId, id)))[0];
  const versionsOf = (id: string) =>
    db.select().from(bundleVersions).where(eq(bundleVersions.bundleId, id)).orderBy(asc(bundleVersions.id));
  const timelineOf = (id: string) =>
    db.select().from(bundleAccounts).where(eq(bundleAccounts.bundleId, id)).orderBy(asc(bundleAccounts.incarnation));
  const videosOf = (id: string) =>
    db.select().from(bundleVideos).where(eq(bundleVideos.bundleId, id)).orderBy(asc(bundleVideos.position));

  it('stores a new bundle: typed columns, raw, one version, first incarnation, videos', async () => {
    const bundle = makeDetail({ external_ref: `ref-${Math.random()}`, credit_cost: 60 });
    const result = await applyBundleSnapshot(db, detail(bundle), webhook);
    expect(result).toEqual({ bundleId: bundle.id, outcome: 'created', changedFields: [], remakeDetected: false, newHandles: [bundle.account!.username] });
    const row = await rowOf(bundle.id);
    expect(row).toMatchObject({ status: 'accepted', creditCost: 60, username: bundle.account!.username, savedAccountId: bundle.saved_account_id, apiUpdatedAt: new Date(bundle.updated_at), deletedAt: null });
    expect(row!.raw).toMatchObject({ id: bundle.id, account: { username: bundle.account!.username } });
    expect(await versionsOf(bundle.id)).toEqual([expect.objectContaining({ source: 'webhook', sourceRef: 'evt_1', contentHash: row!.contentHash })]);
    expect((await timelineOf(bundle.id)).map((a) => [a.incarnation, a.username, a.replacedAt])).toEqual([[1, bundle.account!.username, null]]);
    expect((await videosOf(bundle.id)).map((v) => [v.position, v.videoId, v.status])).toEqual([
      [1, `vid_${bundle.id}_1`, 'configured'],
      [2, `vid_${bundle.id}_2`, 'configured'],
    ]);
  });

  it('writes one version for the identical snapshot applied twice', async () => {
    const bundle = makeDetail();
    await applyBundleSnapshot(db, detail(bundle), webhook);
    const before = await rowOf(bundle.id);
    const again = await applyBundleSnapshot(db, detail(bundle), { source: 'reconcile' });
    expect(again.outcome).toBe('unchanged');
    expect(await versionsOf(bundle.id)).toHaveLength(1);
    const after = await rowOf(bundle.id);
    expect(after!.lastSyncedAt.getTime()).toBeGreaterThanOrEqual(before!.lastSyncedAt.getTime());
    expect(after!.contentHash).toBe(before!.contentHash);
  });

  it('lets an older snapshot after a newer one change nothing', async () => {
    const newer = makeDetail({ status: 'completed', updated_at: at(10) });
    const older = { ...newer, status: 'accepted', updated_at: at(5) };
    await applyBundleSnapshot(db, detail(newer), webhook);
    const before = { row: await rowOf(newer.id), versions: await versionsOf(newer.id), timeline: await timelineOf(newer.id) };
    expect((await applyBundleSnapshot(db, detail(older), webhook)).outcome).toBe('stale');
    expect((await applyBundleSnapshot(db, { kind: 'list', bundle: listItemOf(older) }, webhook)).outcome).toBe('stale');
    const row = await rowOf(newer.id);
    // Only bookkeeping moves: listed (by the stale list item), verified (a stale detail was still a look).
    expect({ ...row, lastListedAt: null, verifiedAt: null }).toEqual({ ...before.row, lastListedAt: null, verifiedAt: null });
    expect(row!.lastListedAt).not.toBeNull();
    expect(row!.verifiedAt!.getTime()).toBeGreaterThanOrEqual(before.row!.verifiedAt!.getTime());
    expect(await versionsOf(newer.id)).toEqual(before.versions);
    expect(await timelineOf(newer.id)).toEqual(before.timeline);
  });

  it('keeps detail fields under list observations and versions list-visible changes', async () => {
    const bundle = makeDetail({ updated_at: at(1) });
    await applyBundleSnapshot(db, detail(bundle), webhook);
    const item = makeListItem({ id: bundle.id, status: 'completed', updated_at: at(2) });
    const result = await applyBundleSnapshot(db, { kind: 'list', bundle: item }, { source: 'backfill', sourceRef: 'run_1' });
    expect(result).toMatchObject({ outcome: 'changed', changedFields: ['status'] });
    const row = await rowOf(bundle.id);
    expect(row).toMatchObject({ status: 'completed', username: bundle.account!.username, savedAccountId: bundle.saved_account_id, apiUpdatedAt: new Date(at(2)), detailUpdatedAt: new Date(at(1)) });
    expect(row!.raw).toMatchObject({ account: { username: bundle.account!.username } });
    expect(await videosOf(bundle.id)).toHaveLength(2);
    expect((await versionsOf(bundle.id)).map((v) => [v.source, v.sourceRef, v.changedFields])).toEqual([
      ['webhook', 'evt_1', []],
      ['backfill', 'run_1', ['status']],
    ]);
  });

  it('keeps every handle in order through three remakes in a row', async () => {
    const first = makeDetail({ account: { username: 'alpha' }, updated_at: at(1) });
    const second = remadeDetail(first, { username: 'bravo', updatedAt: at(2) });
    const third = remadeDetail(second, { username: 'charlie', updatedAt: at(3) });
    const fourth = remadeDetail(third, { username: 'delta', updatedAt: at(4) });
    const results = [];
    for (const bundle of [first, second, third, fourth]) results.push(await applyBundleSnapshot(db, detail(bundle), webhook));
    expect(results.map((r) => [r.outcome, r.remakeDetected, r.newHandles])).toEqual([
      ['created', false, ['alpha']],
      ['changed', true, ['bravo']],
      ['changed', true, ['charlie']],
      ['changed', true, ['delta']],
    ]);
    const timeline = await timelineOf(first.id);
    expect(timeline.map((a) => [a.incarnation, a.username, a.remadeCount, a.evidence, a.unseenBefore])).toEqual([
      [1, 'alpha', 0, 'observed', 0],
      [2, 'bravo', 1, 'observed', 0],
      [3, 'charlie', 2, 'observed', 0],
      [4, 'delta', 3, 'observed', 0],
    ]);
    expect(timeline.map((a) => a.replacedAt)).toEqual([new Date(at(2)), new Date(at(3)), new Date(at(4)), null]);
    expect((await rowOf(first.id))!.username).toBe('delta');
    expect((await versionsOf(first.id)).map((v) => v.username)).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
  });

  it('records what is knowable when several remakes happened between two looks', async () => {
    const first = makeDetail({ account: { username: 'one' }, updated_at: at(1) });
    let bundle = first;
    for (const [i, name] of ['two', 'three', 'four'].entries()) bundle = remadeDetail(bundle, { username: name, updatedAt: at(2 + i) });
    await applyBundleSnapshot(db, detail(first), webhook);
    const result = await applyBundleSnapshot(db, detail(bundle), webhook);
    expect(result).toMatchObject({ remakeDetected: true, newHandles: ['three', 'four'] });
    expect((await timelineOf(first.id)).map((a) => [a.username, a.evidence, a.unseenBefore, a.remadeCount])).toEqual([
      ['one', 'observed', 0, 0],
      ['three', 'old_username', 1, 2],
      ['four', 'observed', 0, 3],
    ]);
  });

  it('closes the account on a list-detected remake and opens the next from the following detail', async () => {
    const first = makeDetail({ account: { username: 'before' }, updated_at: at(1) });
    const second = remadeDetail(first, { username: 'after', updatedAt: at(2) });
    await applyBundleSnapshot(db, detail(first), webhook);
    const listed = await applyBundleSnapshot(db, { kind: 'list', bundle: listItemOf(second) }, { source: 'reconcile' });
    expect(listed).toMatchObject({ outcome: 'changed', remakeDetected: true, newHandles: [] });
    expect((await timelineOf(first.id)).map((a) => [a.username, a.replacedAt])).toEqual([['before', new Date(at(2))]]);
    const detailed = await applyBundleSnapshot(db, detail(second), webhook);
    expect(detailed).toMatchObject({ outcome: 'changed', remakeDetected: false, newHandles: ['after'] });
    expect((await timelineOf(first.id)).map((a) => [a.username, a.replacedAt])).toEqual([
      ['before', new Date(at(2))],
      ['after', null],
    ]);
  });

  it('follows an external_ref moved to another bundle, with history on both', async () => {
    const ref = `campaign-move-${Math.random()}`;
    const a = makeDetail({ external_ref: ref, updated_at: at(1) });
    const b = makeDetail({ external_ref: null, updated_at: at(1) });
    await applyBundleSnapshots(db, [detail(a), detail(b)], webhook);
    // PATCH A external_ref=null, PATCH B external_ref=ref; we see B first.
    const bMoved = { ...b, external_ref: ref, updated_at: at(3) };
    expect(await applyBundleSnapshot(db, detail(bMoved), { source: 'webhook', sourceRef: 'evt_b' })).toMatchObject({ outcome: 'changed', changedFields: ['external_ref'] });
    expect((await rowOf(a.id))!.externalRef).toBeNull();
    expect((await rowOf(b.id))!.externalRef).toBe(ref);
    expect((await versionsOf(a.id)).map((v) => [v.externalRef, v.changedFields, v.sourceRef])).toEqual([
      [ref, [], 'evt_1'],
      [null, ['external_ref'], 'evt_b'],
    ]);
    // A's pre-PATCH snapshot arriving late cannot take the ref back: B's claim is newer.
    const late = await applyBundleSnapshot(db, detail({ ...a, updated_at: at(2) }), webhook);
    expect(late.outcome).toBe('unchanged');
    expect((await rowOf(b.id))!.externalRef).toBe(ref);
    expect((await rowOf(a.id))!.externalRef).toBeNull();
    // Moving it back later (newer on A) takes it from B.
    await applyBundleSnapshot(db, detail({ ...a, external_ref: ref, updated_at: at(4) }), webhook);
    expect((await rowOf(a.id))!.externalRef).toBe(ref);
    expect((await rowOf(b.id))!.externalRef).toBeNull();
  });

  it('swaps external_refs between two bundles inside one batch', async () => {
    const [x, y] = [`swap-x-${Math.random()}`, `swap-y-${Math.random()}`];
    const a = makeDetail({ external_ref: x, updated_at: at(1) });
    const b = makeDetail({ external_ref: y, updated_at: at(1) });
    await applyBundleSnapshots(db, [detail(a), detail(b)], webhook);
    const results = await applyBundleSnapshots(
      db,
      [detail({ ...a, external_ref: y, updated_at: at(2) }), detail({ ...b, external_ref: x, updated_at: at(2) })],
      { source: 'backfill' },
    );
    expect(results.map((r) => r.changedFields)).toEqual([['external_ref'], ['external_ref']]);
    expect([(await rowOf(a.id))!.externalRef, (await rowOf(b.id))!.externalRef]).toEqual([y, x]);
  });

  it('tombstones a bundle, keeps its history, and brings it back on a later observation', async () => {
    const bundle = makeDetail();
    await applyBundleSnapshot(db, detail(bundle), webhook);
    expect(await tombstoneBundle(db, bundle.id, { source: 'webhook', sourceRef: 'evt_404' })).toBe(true);
    expect(await tombstoneBundle(db, bundle.id, webhook)).toBe(false);
    expect(await tombstoneBundle(db, 'bnd_never_seen', webhook)).toBe(false);
    const gone = await rowOf(bundle.id);
    expect(gone!.deletedAt).toBeInstanceOf(Date);
    expect(await videosOf(bundle.id)).toHaveLength(2);
    expect((await timelineOf(bundle.id))).toHaveLength(1);
    const back = await applyBundleSnapshot(db, detail(bundle), webhook);
    expect(back).toMatchObject({ outcome: 'changed', changedFields: ['deleted_at'] });
    expect((await rowOf(bundle.id))!.deletedAt).toBeNull();
    expect((await versionsOf(bundle.id)).map((v) => [v.source, v.changedFields])).toEqual([
      ['webhook', []],
      ['tombstone', ['deleted_at']],
      ['webhook', ['deleted_at']],
    ]);
  });

  it('does not resurrect a tombstoned bundle with an answer fetched before the 404', async () => {
    const bundle = makeDetail();
    await applyBundleSnapshot(db, detail(bundle), webhook);
    await tombstoneBundle(db, bundle.id, { source: 'webhook', observedAt: new Date(Date.now() + 60_000) });
    expect((await applyBundleSnapshot(db, detail(bundle), webhook)).outcome).toBe('stale');
    expect((await rowOf(bundle.id))!.deletedAt).not.toBeNull();
  });

  it('marks a bundle not owned and clears it when the key sees it again', async () => {
    const bundle = makeDetail();
    await applyBundleSnapshot(db, detail(bundle), webhook);
    expect(await markBundleNotOwned(db, bundle.id, webhook)).toBe(true);
    expect(await markBundleNotOwned(db, bundle.id, webhook)).toBe(false);
    expect((await rowOf(bundle.id))!.notOwnedAt).toBeInstanceOf(Date);
    expect((await applyBundleSnapshot(db, detail(bundle), webhook)).changedFields).toEqual(['not_owned_at']);
    expect((await rowOf(bundle.id))!.notOwnedAt).toBeNull();
    expect((await versionsOf(bundle.id)).map((v) => v.source)).toEqual(['webhook', 'not_owned', 'webhook']);
  });

  it('mirrors the video slots of the latest detail', async () => {
    const bundle = makeDetail();
    await applyBundleSnapshot(db, detail(bundle), webhook);
    const next = { ...bundle, videos: [{ id: 'vid_new', position: 1, status: 'published', name: 'Renamed' }], updated_at: at(5) };
    expect((await applyBundleSnapshot(db, detail(next), webhook)).changedFields).toEqual(['videos']);
    expect((await videosOf(bundle.id)).map((v) => [v.position, v.videoId, v.status, v.name])).toEqual([[1, 'vid_new', 'published', 'Renamed']]);
  });

  it('applies a batch with repeats in order and reports results in input order', async () => {
    const one = makeListItem({ updated_at: at(1) });
    const two = makeListItem({ updated_at: at(1) });
    const results = await applyBundleSnapshots(
      db,
      [
        { kind: 'list', bundle: one },
        { kind: 'list', bundle: two },
        { kind: 'list', bundle: { ...one, status: 'completed', updated_at: at(2) } },
        { kind: 'list', bundle: { ...one, status: 'accepted', updated_at: at(1) } },
      ],
      { source: 'backfill', sourceRef: 'run_batch' },
    );
    expect(results.map((r) => [r.bundleId, r.outcome])).toEqual([
      [one.id, 'created'],
      [two.id, 'created'],
      [one.id, 'changed'],
      [one.id, 'stale'],
    ]);
    expect((await rowOf(one.id))!.status).toBe('completed');
    expect(await versionsOf(one.id)).toHaveLength(2);
  });

  it('applies a batch across statement chunks (500 bundles, 100 video sets)', async () => {
    const listed = Array.from({ length: 600 }, (): Observation => ({ kind: 'list', bundle: makeListItem() }));
    const detailed = Array.from({ length: 150 }, () => detail(makeDetail()));
    const results = await applyBundleSnapshots(db, [...listed, ...detailed], { source: 'backfill' });
    expect(results.filter((r) => r.outcome === 'created')).toHaveLength(750);
    const again = await applyBundleSnapshots(db, [...listed, ...detailed], { source: 'backfill' });
    expect(again.every((r) => r.outcome === 'unchanged')).toBe(true);
    expect(await videosOf(detailed[149]!.bundle.id)).toHaveLength(2);
  });
});
