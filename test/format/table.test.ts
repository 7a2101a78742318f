import { describe, expect, it } from 'vitest';
import { formatCell, formatTable } from '../../src/format/table.js';

describe('formatCell', () => {
  it('renders each kind of value readably', () => {
    expect(formatCell(null)).toBe('-');
    expect(formatCell(undefined, '')).toBe('');
    expect(formatCell(true)).toBe('yes');
    expect(formatCell(false)).toBe('no');
    expect(formatCell(42)).toBe('42');
    expect(formatCell(1.23456)).toBe('1.235');
    expect(formatCell(new Date('2026-01-15T10:00:00.000Z'))).toBe('2026-01-15 10:00:00Z');
    expect(formatCell('two\nlines')).toBe('two lines');
  });
});

describe('formatTable', () => {
  it('aligns numbers right and text left under a rule', () => {
    const table = formatTable(
      ['status', 'bundles', 'next_action'],
      [
        ['accepted', 12, null],
        ['pending_setup', 3, 'configure_account'],
      ],
    );
    expect(table.split('\n')).toEqual([
      'status         bundles  next_action',
      '-------------  -------  -----------------',
      'accepted            12  -',
      'pending_setup        3  configure_account',
    ]);
  });

  it('cuts long cells with an ellipsis and counts accented characters once', () => {
    const table = formatTable(['handle', 'n'], [['é'.repeat(10), 1], ['x', 22]], { maxCellWidth: 5 });
    expect(table.split('\n')).toEqual(['handle   n', '------  --', 'éééé…    1', 'x       22']);
  });

  it('prints only the header for no rows', () => {
    expect(formatTable(['a', 'bb'], [])).toBe('a  bb\n-  --');
  });

  it('treats a column mixing text and numbers as text', () => {
    expect(formatTable(['v'], [[1], ['x']]).split('\n').slice(2)).toEqual(['1', 'x']);
  });
});
