import { describe, expect, it } from 'vitest';
import { decidePassEnd, isLastPage, knownPageCount, MAX_LISTING_PASSES } from '../../src/sync/page-walk.js';

const figures = (pass: number, duplicates = 0, listed = 250) => ({ pass, listed, duplicates });

describe('isLastPage', () => {
  it('keeps paging while pages come back full, with or without a pagination object', () => {
    expect(isLastPage(100, 100, 1, null)).toBe(false);
    expect(isLastPage(99, 100, 1, null)).toBe(true);
    expect(isLastPage(0, 100, 7, null)).toBe(true);
    expect(isLastPage(100, 100, 3, { total_pages: 3 })).toBe(true);
    expect(isLastPage(100, 100, 2, { total_pages: 3 })).toBe(false);
    // A pagination object that lags behind a growing list does not end a full page's walk early... unless it says this is the last.
    expect(isLastPage(50, 100, 1, { total_pages: 4 })).toBe(true);
  });

  it('knows the page count once the last page is seen, or from pagination', () => {
    expect(knownPageCount(3, true, null)).toBe(3);
    expect(knownPageCount(3, false, null)).toBeNull();
    expect(knownPageCount(3, false, { total_pages: 2 })).toBe(4);
    expect(knownPageCount(1, false, { total_pages: 9 })).toBe(9);
  });
});

describe('decidePassEnd', () => {
  it('always walks a second pass: the first is proven only by the next', () => {
    expect(decidePassEnd(null, figures(1), 0)).toMatchObject({ kind: 'next-pass' });
  });

  it('completes when the previous pass listed nothing twice and nothing it listed vanished', () => {
    expect(decidePassEnd(figures(1), figures(2), 0)).toEqual({ kind: 'complete', provenPass: 1 });
    // The current pass's own duplicates do not matter for the previous one's proof.
    expect(decidePassEnd(figures(1), figures(2, 5), 0)).toEqual({ kind: 'complete', provenPass: 1 });
  });

  it('walks again when the previous pass saw the list shift or lost bundles', () => {
    expect(decidePassEnd(figures(1, 2), figures(2), 0)).toMatchObject({ kind: 'next-pass', reason: expect.stringMatching(/twice/) });
    expect(decidePassEnd(figures(1), figures(2), 3)).toMatchObject({ kind: 'next-pass', reason: expect.stringMatching(/3 bundle\(s\) pass 1 listed are gone/) });
    expect(decidePassEnd(figures(2, 1), figures(3), 0)).toMatchObject({ kind: 'next-pass' });
  });

  it('gives up after the last allowed pass, saying why', () => {
    expect(decidePassEnd(figures(MAX_LISTING_PASSES - 1, 1), figures(MAX_LISTING_PASSES), 0)).toMatchObject({
      kind: 'give-up',
      reason: expect.stringMatching(new RegExp(`${MAX_LISTING_PASSES} passes walked`)),
    });
    expect(decidePassEnd(null, figures(1), 0, 1)).toMatchObject({ kind: 'give-up' });
  });
});
