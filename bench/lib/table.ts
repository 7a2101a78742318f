// Plain-text tables for the terminal: every benchmark prints its figures the same way,
// targets next to the value they judge.

export type Cell = string | number | boolean | null | undefined;

function formatCell(value: Cell): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'NO';
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
  const text = rows.map((row) => header.map((_, column) => formatCell(row[column])));
  const numeric = header.map((_, column) => rows.every((row) => typeof row[column] !== 'string'));
  const widths = header.map((name, column) => Math.max(name.length, ...text.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [`\n== ${title}`, line(header), rule, ...text.map(line)].join('\n');
}

export function printTable(title: string, header: string[], rows: Cell[][]): void {
  process.stdout.write(`${formatTable(title, header, rows)}\n`);
}
