// Seeding: deterministic, realistic, fast at benchmark sizes. (The `fake-api` command that
// serves a seeded fake: test/cli/fake-api/.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleDetailSchema } from '../../src/tokportal/schemas.js';
import { startTestFake, type FakeTokPortal } from '../support/fake.js';
import { call } from './helpers.js';

const details = (fake: FakeTokPortal) => fake.listBundleIds().map((id) => fake.getBundle(id) as any);
const countBy = (items: any[], key: (item: any) => string) =>
  items.reduce<Record<string, number>>((counts, item) => ({ ...counts, [key(item)]: (counts[key(item)] ?? 0) + 1 }), {});

describe('seeding', () => {
  let fake: FakeTokPortal;
  beforeAll(async () => {
    fake = await startTestFake({ bundles: 1_000, seed: 'realism' });
  });
  afterAll(() => fake.close());

  it('is deterministic for a seed and differs across seeds', async () => {
    const again = await startTestFake({ bundles: 1_000, seed: 'realism' });
    const other = await startTestFake({ bundles: 1_000, seed: 'another' });
    try {
      expect(details(again)).toEqual(details(fake));
      expect(details(other).map((b) => b.id)).not.toEqual(details(fake).map((b) => b.id));
    } finally {
      await Promise.all([again.close(), other.close()]);
    }
  });

  it('mixes types, platforms, countries and every lifecycle status, all valid details', () => {
    const all = details(fake);
    for (const bundle of all) bundleDetailSchema.parse(bundle);
    expect(Object.keys(countBy(all, (b) => b.bundle_type)).sort()).toEqual(['account_and_videos', 'account_only', 'videos_only']);
    expect(Object.keys(countBy(all, (b) => b.platform)).sort()).toEqual(['instagram', 'tiktok']);
    expect(Object.keys(countBy(all, (b) => b.country))).toEqual(expect.arrayContaining(['US', 'GB', 'FR', 'DE', 'BR']));
    expect(Object.keys(countBy(all, (b) => b.status)).sort()).toEqual(
      ['accepted', 'archived', 'cancelled', 'completed', 'draft', 'finalized', 'in_review', 'pending_setup', 'published', 'published_priority'],
    );
    expect(Object.keys(countBy(all, (b) => String(b.account_status)))).toEqual(
      expect.arrayContaining(['null', 'pending', 'configured', 'in_review', 'finalized']),
    );
    expect(Object.keys(countBy(all, (b) => String(b.next_action))).sort()).toEqual(
      ['configure_account', 'configure_videos', 'null', 'publish_bundle'],
    );
    const withRef = all.filter((b) => b.external_ref !== null);
    expect(withRef.length / all.length).toBeGreaterThan(0.75);
    expect(withRef.every((b) => /^campaign-\d+-\d{3}$/.test(b.external_ref))).toBe(true);
    expect(new Set(withRef.map((b) => b.external_ref)).size).toBe(withRef.length);
    expect(all.filter((b) => b.wants_deep_warming).every((b) => b.platform === 'instagram' && !b.wants_niche_warming)).toBe(true);
    expect(all.every((b) => b.edits_quantity <= b.videos_quantity && b.updated_at >= b.created_at)).toBe(true);
  });

  it('seeds remade accounts with their whole handle history', () => {
    const remade = details(fake).filter((b) => b.remade.was_remade);
    expect(remade.length).toBeGreaterThan(10);
    expect(remade.some((b) => b.remade.remade_count > 1)).toBe(true);
    for (const bundle of remade) {
      const handles = fake.handles(bundle.id);
      expect(handles).toHaveLength(bundle.remade.remade_count + 1);
      expect(handles.at(-1)).toBe(bundle.account.username);
      expect(handles.at(-2)).toBe(bundle.remade.old_username);
      expect(bundle.remade.remade_at <= bundle.updated_at).toBe(true);
    }
  });

  it('serves videos_only bundles on accounts delivered by other bundles', () => {
    const all = details(fake);
    const delivered = new Map(all.filter((b) => b.bundle_type !== 'videos_only' && b.saved_account_id).map((b) => [b.saved_account_id, b]));
    const reused = all.filter((b) => b.bundle_type === 'videos_only' && delivered.has(b.existing_account_id));
    expect(reused.length).toBeGreaterThan(0);
    for (const bundle of reused) {
      expect(bundle.saved_account_id).toBe(bundle.existing_account_id);
      expect(fake.handles(delivered.get(bundle.existing_account_id).id)).toContain(bundle.account.username);
    }
  });

  it('seeds 20,000 bundles and serves list pages of 100 quickly', async () => {
    let started = performance.now();
    const big = await startTestFake({ bundles: 20_000, seed: 'bench' });
    const seedMs = performance.now() - started;
    try {
      started = performance.now();
      for (let page = 1; page <= 20; page++) {
        const answer = await call(big, 'GET', `/bundles?per_page=100&page=${page * 10}`);
        expect(answer.body.data).toHaveLength(100);
      }
      const pageMs = (performance.now() - started) / 20;
      const filtered = await call(big, 'GET', '/bundles?per_page=100&status=completed&platform=tiktok');
      expect(filtered.body.pagination.total).toBeGreaterThan(1_000);
      console.log(`fake seed 20,000 bundles: ${seedMs.toFixed(0)} ms; list page of 100: ${pageMs.toFixed(1)} ms`);
      // Generous bounds (the suite shares 2 cores with other files): they catch an O(n²) slip, not noise.
      expect(seedMs).toBeLessThan(20_000);
      expect(pageMs).toBeLessThan(250);
    } finally {
      await big.close();
    }
  });
});
