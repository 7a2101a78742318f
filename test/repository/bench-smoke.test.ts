// Proves the benchmarks still run: `npm run bench:smoke` at tiny sizes into a temporary
// directory, then every benchmark's JSON must exist with sane fields. Timings are never
// asserted here (a shared CI machine is too noisy); only that each figure was produced.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCHMARK_NAMES } from '../../bench/lib/context.js';
import type { BenchResult } from '../../bench/lib/results.js';

const run = promisify(execFile);
const outDir = mkdtempSync(join(tmpdir(), 'tps-bench-smoke-'));
let stdout = '';

function load(name: string): BenchResult {
  return JSON.parse(readFileSync(join(outDir, `${name}.json`), 'utf8')) as BenchResult;
}

const positive = (value: number | null | undefined) => {
  expect(typeof value).toBe('number');
  expect(value as number).toBeGreaterThan(0);
};

describe('bench:smoke', () => {
  beforeAll(async () => {
    const result = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke', '--out', outDir], {
      cwd: join(import.meta.dirname, '../..'),
      // About 60 s on an idle 2-core machine; the margin is for a CI box shared with other suites.
      timeout: 400_000,
      maxBuffer: 16 * 2 ** 20,
    });
    stdout = result.stdout;
  }, 410_000);

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('runs every benchmark and writes its JSON with the command, machine, figures and a table', () => {
    for (const name of BENCHMARK_NAMES) {
      const result = load(name);
      expect(result.name).toBe(name);
      expect(result.command).toContain('--smoke');
      expect(result.machine.cpus).toBeGreaterThan(0);
      expect(result.table.rows.length).toBeGreaterThan(0);
      expect(Object.keys(result.figures).length).toBeGreaterThan(0);
      expect(stdout).toContain(`== ${name}:`);
    }
  });

  it('receiver: every server answered, and every 2xx of ours (and of the anchor) is a committed inbox row', () => {
    const { figures, params } = load('receiver');
    const level = `c${params.connections}`;
    positive(figures[`${level}.bareRequestsPerSecond`]);
    positive(figures[`${level}.oursRequestsPerSecond`]);
    positive(figures[`${level}.oursOverBare`]);
    positive(figures[`${level}.oursP99Ms`]);
    positive(figures[`${level}.oursCpuMsPerRequest`]);
    positive(figures[`${level}.ours2xx`]);
    expect(figures[`${level}.oursInboxRows`]).toBe(figures[`${level}.ours2xx`]);
    if (params.anchor) {
      positive(figures[`${level}.oursOverAnchor`]);
      expect(figures[`${level}.anchorInboxRows`]).toBe(figures[`${level}.anchor2xx`]);
    } else {
      expect(stdout).toContain('minimal durable anchor skipped');
    }
  });

  it('coalescing: every event processed, at least one API call per bundle', () => {
    const { figures, params } = load('coalescing');
    expect(figures.accepted2xx).toBe(params.events);
    expect(figures.unprocessedEvents).toBe(0);
    expect(figures.apiCallsPerBundle as number).toBeGreaterThanOrEqual(1);
  });

  it('backfill: cold and warm runs completed, the cold one fetched every bundle', () => {
    const { figures, params } = load('backfill');
    expect(figures.coldBundlesMirrored).toBe(params.bundles);
    expect(figures.coldCalls as number).toBeGreaterThanOrEqual(params.bundles as number);
    positive(figures.coldAchievedOverAllowed);
    positive(figures.warmCalls);
    expect(figures.warmCalls as number).toBeLessThan(figures.coldCalls as number);
  });

  it('freshness: every event processed with a latency', () => {
    const { figures } = load('freshness');
    expect(figures.unprocessedEvents).toBe(0);
    positive(figures.processedEvents);
    positive(figures.p50Ms);
    expect(figures.p99Ms as number).toBeGreaterThanOrEqual(figures.p50Ms as number);
  });

  it('store: both modes stored every snapshot', () => {
    const { figures } = load('store');
    positive(figures.singleInsertPerSecond);
    positive(figures.batchedInsertPerSecond);
    positive(figures.batchedOverSingleInsert);
  });

  it('memory: peak RSS of the receiver and of a backfilling worker, run from a clone', () => {
    const { figures } = load('memory');
    positive(figures['clone.receiverPeakRssMiB']);
    positive(figures['clone.workerPeakRssMiB']);
    positive(figures['clone.workerCpuSeconds']);
  });

  it('scale: two receivers and three workers mirror the fake exactly, with no 429, and report each process', () => {
    const { figures, params } = load('scale');
    expect(figures.rateLimited429).toBe(0);
    expect(figures.mismatches).toBe(0);
    expect(figures.bundlesEqual).toBe(params.bundles);
    expect(figures.callsPerTouchedBundle as number).toBeGreaterThanOrEqual(1);
    for (const process of ['receiver 1', 'receiver 2', 'worker 1', 'worker 2', 'backfill (worker 3)']) {
      positive(figures[`${process}.peakRssMiB`]);
      positive(figures[`${process}.cpuSeconds`]);
    }
  });
});
