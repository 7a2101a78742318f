import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/lib/duration.js';

describe('parseDuration', () => {
  it.each([
    ['500', 500],
    ['500ms', 500],
    ['2s', 2000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1.5h', undefined],
    ['', undefined],
  ])('%s → %s', (text, ms) => expect(parseDuration(text)).toBe(ms));
});
