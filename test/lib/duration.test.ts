// Durations as settings and options write them: always with a unit, never under their floor.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { checkDuration, formatDuration, parseDuration } from '../../src/lib/duration.js';

describe('parseDuration', () => {
  it.each([
    ['500', undefined], // a bare number has no unit (RECONCILE_INTERVAL=15 once meant 15 ms)
    ['500ms', 500],
    ['2s', 2000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1.5h', undefined],
    ['', undefined],
  ])('%s → %s', (text, ms) => expect(parseDuration(text)).toBe(ms));
});

describe('checkDuration and formatDuration', () => {
  it('accepts the minimum itself and a unit-suffixed value', () => {
    expect(loadConfig({ RECONCILE_INTERVAL: '1m' }).reconcileIntervalMs).toBe(60_000);
    expect(loadConfig({ RECONCILE_INTERVAL: '2h' }).reconcileIntervalMs).toBe(7_200_000);
    expect(checkDuration(' 30s ', { minMs: 1_000, example: '30s' })).toEqual({ ok: true, ms: 30_000 });
  });

  it.each([
    [900_000, '15m'],
    [90_000, '90s'],
    [3_600_000, '1h'],
    [1_500, '1500ms'],
  ])('formats %s ms as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
