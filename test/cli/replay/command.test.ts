// The options of `tokportal-sync replay` (their parsing lives in the command declaration).
import { describe, expect, it } from 'vitest';
import { parseSince } from '../../../src/cli/replay/command.js';

// The describe keeps the name these checks had next to the backfill report's.
describe('backfill report', () => {
  it('reads --since as a time or a duration back from now', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(parseSince('2h', now).toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(parseSince('7d', now).toISOString()).toBe('2026-02-22T12:00:00.000Z');
    expect(parseSince('2026-02-01T00:00:00Z', now).toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(() => parseSince('last tuesday', now)).toThrow(/ISO 8601 time or a duration/);
  });
});
