import { describe, expect, it } from 'vitest';
import { hasLoneSurrogate, replaceLoneSurrogates } from '../../src/lib/lone-surrogates.js';

describe('lone surrogates', () => {
  it('finds a high or low half without its partner, never a whole pair', () => {
    expect(hasLoneSurrogate('ok \u{1F600}')).toBe(false);
    expect(hasLoneSurrogate('cut \uD83D')).toBe(true);
    expect(hasLoneSurrogate('\uDE00 cut')).toBe(true);
    expect(hasLoneSurrogate('\uDE00\uD83D')).toBe(true); // low then high: two halves, no pair
  });

  it('replaces every lone half with U+FFFD and keeps pairs and plain text', () => {
    expect(replaceLoneSurrogates('a\uD800b\uDC00c \u{1F600}')).toBe('a\uFFFDb\uFFFDc \u{1F600}');
    expect(replaceLoneSurrogates('plain')).toBe('plain');
  });
});
