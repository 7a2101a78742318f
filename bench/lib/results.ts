// What every benchmark hands back, and how it lands on disk: one JSON file per benchmark
// under bench/results/ (gitignored), with the machine and the command beside the figures
// so a number is never read without knowing where it came from.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable, type Cell } from './table.js';

export const DEFAULT_RESULTS_DIR = fileURLToPath(new URL('../results', import.meta.url));

export type Comparator = '>=' | '<=';

/** A goal from issue 6, judged against a figure measured in the same run. */
export type Target = { label: string; value: number | null; op: Comparator; threshold: number; met: boolean | null };

export function target(label: string, value: number | null, op: Comparator, threshold: number): Target {
  const met = value === null || !Number.isFinite(value) ? null : op === '>=' ? value >= threshold : value <= threshold;
  return { label, value, op, threshold, met };
}

export type Figures = Record<string, number | null>;

/** What a benchmark's run() returns; the runner adds timing and environment. */
export type BenchOutcome = {
  params: Record<string, number | string | boolean>;
  figures: Figures;
  targets: Target[];
  table: { header: string[]; rows: Cell[][] };
  /** Things a reader must know to trust the figures (e.g. a count check that failed). */
  notes?: string[];
};

export type BenchResult = BenchOutcome & {
  name: string;
  title: string;
  command: string;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  /** Load average before and after: on a shared machine, the context every figure needs. */
  load: { before: number; after: number };
};

export function machineInfo(): BenchResult['machine'] {
  const cores = cpus();
  return {
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function loadAverage1m(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

export function writeResult(dir: string, result: BenchResult): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.name}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

export function printResult(result: BenchResult): void {
  printTable(`${result.name}: ${result.title}`, result.table.header, result.table.rows);
  if (result.targets.length > 0) {
    printTable(
      `${result.name}: targets`,
      ['target', 'value', 'goal', 'met'],
      result.targets.map((t) => [t.label, t.value, `${t.op} ${t.threshold}`, t.met]),
    );
  }
  for (const note of result.notes ?? []) process.stdout.write(`note: ${note}\n`);
  process.stdout.write(
    `(${result.wallSeconds.toFixed(1)} s; load average ${result.load.before} before, ${result.load.after} after, ${result.machine.cpus} cores)\n`,
  );
}
