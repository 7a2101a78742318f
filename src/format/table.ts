// Plain-text tables for the terminal: numbers right-aligned, text left-aligned, one line per
// row whatever the cell holds (newlines flattened, long text cut with an ellipsis).
export type Cell = string | number | boolean | Date | null | undefined;

export type TableOptions = {
  /** Longest cell shown, in characters; longer ones end in "…". */
  maxCellWidth?: number;
  /** Shown for null/undefined. */
  nullText?: string;
  /** Renders a cell instead of formatCell (the benchmarks round by magnitude, for one). */
  formatValue?: (value: Cell) => string;
};

// Code points, so an accented handle does not shift the columns after it.
const width = (text: string) => [...text].length;

function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(max - 1, 0)).join('')}…`;
}

export function formatCell(value: Cell, nullText = '-'): string {
  if (value === null || value === undefined) return nullText;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z');
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
  }
  return value.replace(/\s*[\r\n]+\s*/g, ' ');
}

/** Renders rows under a header. A column is numeric when every non-null cell is a number. */
export function formatTable(header: readonly string[], rows: readonly Cell[][], options: TableOptions = {}): string {
  const max = options.maxCellWidth ?? 48;
  const render = options.formatValue ?? ((value: Cell) => formatCell(value, options.nullText));
  const text = rows.map((row) => header.map((_, column) => cut(render(row[column]), max)));
  const numeric = header.map(
    (_, column) =>
      rows.some((row) => typeof row[column] === 'number') &&
      rows.every((row) => row[column] === null || row[column] === undefined || typeof row[column] === 'number'),
  );
  const widths = header.map((name, column) => Math.max(width(name), ...text.map((row) => width(row[column]!))));
  const pad = (cell: string, column: number) => {
    const fill = ' '.repeat(widths[column]! - width(cell));
    return numeric[column] ? fill + cell : cell + fill;
  };
  const line = (cells: string[]) => cells.map(pad).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line([...header]), rule, ...text.map(line)].join('\n');
}
