import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EMPTY_STATS } from '../../../src/db/sync-runs.js';
import {
  createProgressReporter,
  formatDuration,
  formatProgressLine,
  formatStartLine,
  formatSummary,
} from '../../../src/cli/backfill/progress.js';
import { backfillProgress as progress, backfillRun as run } from '../../support/backfill-progress.js';

function capture(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  (stream as { isTTY: boolean }).isTTY = isTTY;
  return { stream, text: () => chunks.join('') };
}

describe('backfill report', () => {
  it('formats durations for a terminal', () => {
    expect([0, 42, 61, 3_599, 3_600, 5_000].map(formatDuration)).toEqual(['0s', '42s', '1m01s', '59m59s', '1h00m', '1h23m']);
  });

  it('says whether the run starts or resumes, and with which filters', () => {
    expect(formatStartLine({ run: run(), resumed: false, superseded: null })).toBe(
      'Starting backfill backfill_20260301T100000Z_abc123 (all bundles, details auto)',
    );
    const filtered = run({ params: { filters: { status: 'published', platform: 'tiktok' }, details: 'never' }, nextPage: 7 });
    expect(formatStartLine({ run: filtered, resumed: true, superseded: null })).toBe(
      'Resuming backfill backfill_20260301T100000Z_abc123 (status=published platform=tiktok, details never) at page 7',
    );
  });

  it('writes one plain line per page off a terminal, then one per 5% of the details', () => {
    const { stream, text } = capture(false);
    const reporter = createProgressReporter(stream);
    const stats = (pages: number, detailsEnqueued: number) => ({ ...EMPTY_STATS, pages, listed: pages * 100, created: pages * 100, detailsEnqueued });
    reporter.update(progress({ pagesDone: 1, run: run({ stats: stats(1, 100) }) }));
    reporter.update(progress({ pagesDone: 1, run: run({ stats: stats(1, 100) }) }));
    reporter.update(progress({ pagesDone: 2, run: run({ stats: stats(2, 200) }) }));
    const done = run({ status: 'completed', stats: stats(2, 200) });
    reporter.update(progress({ phase: 'details', pagesDone: 2, run: done, pendingDetails: 200 }));
    reporter.update(progress({ phase: 'details', pagesDone: 2, run: done, pendingDetails: 195, detailsDone: 5 }));
    reporter.update(progress({ phase: 'details', pagesDone: 2, run: done, pendingDetails: 180, detailsDone: 20 }));
    reporter.stop();
    const lines = text().trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('page 1/30: 100 bundles (100 new, 0 changed, 0 unchanged), details 0/100 done, ETA 15s');
    expect(lines[1]).toMatch(/^page 2\/30: 200 bundles/);
    expect(lines[2]).toMatch(/^listing done \(2 pages\): 200 bundles .* details 0\/200 done/);
    expect(lines[3]).toMatch(/details 20\/200 done/);
  });

  it('draws a bar on a terminal', () => {
    const { stream, text } = capture(true);
    const reporter = createProgressReporter(stream);
    reporter.update(progress({ pagesDone: 3, run: run({ stats: { ...EMPTY_STATS, pages: 3, listed: 300, detailsEnqueued: 10 } }) }));
    reporter.stop();
    reporter.stop();
    expect(text()).toContain('pages 3/30 | bundles 300 | details 0/10');
  });

  it('sums up bundles, calls and the rate achieved against the allowed one', () => {
    const stats = { ...EMPTY_STATS, pages: 30, listed: 3_000, created: 2_990, changed: 10, apiCalls: 31, errors: 1, detailsEnqueued: 3_000 };
    const final = progress({ phase: 'done', run: run({ status: 'completed', stats }), detailsDone: 3_000 });
    const summary = formatSummary(
      { outcome: 'completed', start: { run: run(), resumed: true, superseded: null }, progress: final, durationMs: 60_000, sessionApiCalls: 3_030 },
      6_000,
    );
    expect(summary).toContain('completed in 1m00s (resumed)');
    expect(summary).toContain('3000 listed on 30 pages: 2990 new, 10 changed, 0 unchanged, 0 stale');
    expect(summary).toContain('31 list + 3000 detail over the run; 3030 this session, 3030.0/min achieved of 6000/min allowed; 1 failed list calls retried');
  });
});
