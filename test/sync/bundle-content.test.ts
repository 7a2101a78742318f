import { describe, expect, it } from 'vitest';
import {
  changedFields,
  columnsFromRaw,
  contentHash,
  contentOf,
  mergeObservation,
  videoSlotsOf,
  type RawBundle,
} from '../../src/sync/bundle-content.js';
import { at, listItemOf, makeDetail, makeListItem } from '../support/bundles.js';

const asRaw = (value: unknown) => value as RawBundle;

describe('mergeObservation', () => {
  it('lets a list item override only the keys it carries', () => {
    const detail = makeDetail({ status: 'accepted' });
    const list = makeListItem({ id: detail.id, status: 'completed', updated_at: at(9) });
    const merged = mergeObservation(asRaw(detail), { kind: 'list', bundle: list });
    expect(merged.status).toBe('completed');
    expect(merged.updated_at).toBe(at(9));
    expect(merged.account).toEqual(detail.account);
    expect(merged.videos).toEqual(detail.videos);
    expect(merged.saved_account_id).toBe(detail.saved_account_id);
  });

  it('lets a detail replace the whole document', () => {
    const first = makeDetail();
    const stored = { ...asRaw(first), legacy_field: 'x' };
    const detail = makeDetail({ id: first.id });
    expect(mergeObservation(stored, { kind: 'detail', bundle: detail })).not.toHaveProperty('legacy_field');
  });
});

describe('contentOf and contentHash', () => {
  it('flattens account and remade under column names and excludes updated_at', () => {
    const detail = makeDetail({ remade: { remade_count: 2, was_remade: true, old_username: 'old' } });
    const content = contentOf(asRaw(detail));
    expect(content).toMatchObject({
      username: detail.account!.username,
      account_listing_id: detail.account!.id,
      saved_account_id: detail.saved_account_id,
      remade_count: 2,
      old_username: 'old',
    });
    expect(content).not.toHaveProperty('updated_at');
    expect(content).not.toHaveProperty('account');
  });

  it('is the same for a bump of updated_at alone or a reordered document', () => {
    const detail = makeDetail({ updated_at: at(1) });
    const later = { ...asRaw(detail), updated_at: at(2) };
    const reordered = Object.fromEntries(Object.entries(asRaw(detail)).reverse());
    const hash = contentHash(contentOf(asRaw(detail)));
    expect(contentHash(contentOf(later))).toBe(hash);
    expect(contentHash(contentOf(reordered))).toBe(hash);
    expect(contentHash(contentOf({ ...asRaw(detail), status: 'completed' }))).not.toBe(hash);
  });

  it('sorts videos by position so their order in the answer does not matter', () => {
    const detail = makeDetail();
    const reversed = { ...asRaw(detail), videos: [...detail.videos].reverse() };
    expect(contentHash(contentOf(reversed))).toBe(contentHash(contentOf(asRaw(detail))));
  });

  it('treats null and missing as the same value', () => {
    expect(contentHash(contentOf({ id: 'b', title: null }))).toBe(contentHash(contentOf({ id: 'b' })));
  });

  it('keeps unknown fields, nested or not, as content', () => {
    const detail = asRaw(makeDetail());
    const withNew = { ...detail, new_field: 1, account: { ...(detail.account as object), tier: 'gold' } };
    expect(changedFields(contentOf(detail), contentOf(withNew))).toEqual(['account.tier', 'new_field']);
  });
});

describe('changedFields', () => {
  it('names the fields that differ, sorted', () => {
    const before = makeDetail({ status: 'accepted', updated_at: at(1) });
    const after = makeDetail({
      id: before.id,
      status: 'completed',
      account: { username: 'renamed' },
      updated_at: at(2),
    });
    expect(changedFields(contentOf(asRaw(before)), contentOf(asRaw(after)))).toEqual(['status', 'username']);
  });

  it('sees no change between a detail and the list item of the same state merged over it', () => {
    const detail = makeDetail();
    const merged = mergeObservation(asRaw(detail), { kind: 'list', bundle: listItemOf(detail) });
    expect(changedFields(contentOf(asRaw(detail)), contentOf(merged))).toEqual([]);
  });
});

describe('columnsFromRaw', () => {
  it('maps every list and detail field to its typed column', () => {
    const detail = makeDetail({
      external_ref: 'campaign-1-001',
      title: 'T',
      credit_cost: 60,
      next_action: 'publish_bundle',
      remade: { was_remade: true, remade_count: 1, old_username: 'old', remade_at: at(3) },
      created_at: at(0),
      updated_at: at(4),
    });
    expect(columnsFromRaw(asRaw(detail))).toEqual({
      bundleId: detail.id,
      externalRef: 'campaign-1-001',
      title: 'T',
      bundleType: 'account_and_videos',
      platform: 'tiktok',
      country: 'US',
      status: 'accepted',
      accountStatus: 'finalized',
      videosQuantity: 2,
      editsQuantity: 0,
      usedEdits: 0,
      creditCost: 60,
      existingAccountId: null,
      autoFinalizeVideos: true,
      wantsNicheWarming: false,
      wantsDeepWarming: false,
      wantsModeration: false,
      isPublished: true,
      accountConfigured: true,
      videosTotal: 2,
      videosConfiguredCount: 2,
      nextAction: 'publish_bundle',
      wasRemade: true,
      remadeCount: 1,
      oldUsername: 'old',
      remadeAt: new Date(at(3)),
      savedAccountId: detail.saved_account_id,
      accountListingId: detail.account!.id,
      username: detail.account!.username,
      visibleName: 'Test User',
      biography: 'Just vibes.',
      profilePictureUrl: 'https://example.com/pic.jpg',
      apiCreatedAt: new Date(at(0)),
      apiUpdatedAt: new Date(at(4)),
    });
  });

  it('leaves detail columns null for a list item and tolerates odd values', () => {
    const columns = columnsFromRaw({ ...asRaw(makeListItem()), credit_cost: 'lots', created_at: 'yesterday' });
    expect(columns.username).toBeNull();
    expect(columns.savedAccountId).toBeNull();
    expect(columns.creditCost).toBeNull();
    expect(columns.apiCreatedAt).toBeNull();
  });

  it('refuses a bundle without a readable updated_at (the staleness guard needs it)', () => {
    expect(() => columnsFromRaw({ ...asRaw(makeListItem()), updated_at: 'soon' })).toThrow(/updated_at/);
  });
});

describe('videoSlotsOf', () => {
  it('returns one slot per position, sorted, last entry winning', () => {
    const raw = {
      videos: [
        { id: 'v2', position: 2, status: 'pending', name: null },
        { id: 'v1', position: 1, status: 'configured', name: 'One' },
        { id: 'v2b', position: 2, status: 'published', name: 'Two' },
        { id: 'bad' },
      ],
    };
    expect(videoSlotsOf(raw).map((v) => [v.position, v.videoId, v.status])).toEqual([
      [1, 'v1', 'configured'],
      [2, 'v2b', 'published'],
    ]);
    expect(videoSlotsOf({})).toEqual([]);
  });
});
