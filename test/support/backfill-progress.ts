// Hand-made backfill runs and progress snapshots, for the tests of what is computed from them
// (the CLI's progress lines and summary, the worker's ETA and per-session call count).
import { EMPTY_STATS, type SyncRun } from '../../src/db/sync-runs.js';
import type { BackfillProgress } from '../../src/worker/backfill.js';

/** A running backfill of 30 pages, nothing done yet; every field can be overridden. */
export const backfillRun = (overrides: Partial<SyncRun> = {}): SyncRun => ({
  id: 'backfill_20260301T100000Z_abc123',
  kind: 'backfill',
  status: 'running',
  params: { filters: {}, details: 'auto' },
  pass: 1,
  nextPage: 1,
  totalPages: 30,
  stats: { ...EMPTY_STATS },
  startedAt: new Date('2026-03-01T10:00:00Z'),
  updatedAt: new Date('2026-03-01T10:00:00Z'),
  finishedAt: null,
  lastError: null,
  ...overrides,
});

/** A progress snapshot of that run while listing; every field can be overridden. */
export const backfillProgress = (overrides: Partial<BackfillProgress> = {}): BackfillProgress => ({
  run: backfillRun(),
  phase: 'listing',
  pass: 1,
  pagesDone: 0,
  totalPages: 30,
  pendingDetails: 0,
  detailsDone: 0,
  etaSeconds: 15,
  ...overrides,
});
