// Benchmark tables: the CLI's table layout (src/format/table.ts) with a title line and
// figures rounded by magnitude, so every benchmark prints its figures the same way.
import { formatTable as formatCliTable, type Cell } from '../../src/format/table.js';

export type { Cell };

function formatFigure(value: Cell): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'NO';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    if (Number.isInteger(value)) return value.toLocaleString('en-US');
    const magnitude = Math.abs(value);
    return value.toFixed(magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3);
  }
  return value;
}

/** Renders rows under a header; numbers are right-aligned, text left-aligned. */
export function formatTable(title: string, header: string[], rows: Cell[][]): string {
  return `\n== ${title}\n${formatCliTable(header, rows, { formatValue: formatFigure, maxCellWidth: Number.POSITIVE_INFINITY })}`;
}

export function printTable(title: string, header: string[], rows: Cell[][]): void {
  process.stdout.write(`${formatTable(title, header, rows)}\n`);
}
