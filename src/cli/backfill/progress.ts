// What `tokportal-sync backfill` shows: a progress bar on a terminal, one plain line per page
// otherwise (logs, CI), and a summary at the end. Formatting only; the work is in worker/backfill.ts.
import { SingleBar } from 'cli-progress';
import type { BackfillProgress, BackfillResult, BackfillStart } from '../../worker/backfill.js';

export type ProgressReporter = { update(progress: BackfillProgress): void; stop(): void };

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3_600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3_600)}h${String(Math.floor((s % 3_600) / 60)).padStart(2, '0')}m`;
}

const pagesText = (p: BackfillProgress) => `${p.pagesDone}/${p.totalPages ?? '?'}`;
/** "page 3/10", or "pass 2 page 3/10" once the walk is proving itself. */
const listingText = (p: BackfillProgress) => `${p.pass > 1 ? `pass ${p.pass} ` : ''}page ${pagesText(p)}`;
const etaText = (p: BackfillProgress) => (p.etaSeconds === null ? '?' : formatDuration(p.etaSeconds));

export function formatStartLine(start: BackfillStart): string {
  const { run } = start;
  const filters = Object.entries(run.params.filters).map(([key, value]) => `${key}=${value}`);
  const what = `${filters.length > 0 ? filters.join(' ') : 'all bundles'}, details ${run.params.details}`;
  if (start.resumed) return `Resuming backfill ${run.id} (${what}) at ${run.pass > 1 ? `pass ${run.pass} ` : ''}page ${run.nextPage}`;
  const superseded = start.superseded ? ` (supersedes ${start.superseded})` : '';
  return `Starting backfill ${run.id} (${what})${superseded}`;
}

/** One plain line: what a log reader needs to see the run move. */
export function formatProgressLine(p: BackfillProgress): string {
  const { stats } = p.run;
  const where = p.phase === 'listing' ? listingText(p) : `listing done (${p.pagesDone} pages)`;
  return (
    `${where}: ${stats.listed} bundles (${stats.created} new, ${stats.changed} changed, ${stats.unchanged} unchanged), ` +
    `details ${p.detailsDone}/${stats.detailsEnqueued} done, ETA ${etaText(p)}`
  );
}

export function createProgressReporter(stream: NodeJS.WriteStream): ProgressReporter {
  return stream.isTTY ? barReporter(stream) : lineReporter(stream);
}

function barReporter(stream: NodeJS.WriteStream): ProgressReporter {
  const bar = new SingleBar({
    stream,
    format: ' {bar} {percentage}% | pages {pages} | bundles {bundles} | details {details} | ETA {eta}',
    barsize: 30,
    hideCursor: true,
    etaBuffer: 50,
  });
  let started = false;
  return {
    update(p) {
      // Calls are the unit: what the rate limit meters, so the bar moves at the pace the ETA assumes.
      const done = p.pagesDone + p.detailsDone;
      const left = (p.totalPages === null ? 1 : Math.max(0, p.totalPages - p.pagesDone)) + p.pendingDetails;
      const payload = {
        pages: pagesText(p),
        bundles: p.run.stats.listed,
        details: `${p.detailsDone}/${p.run.stats.detailsEnqueued}`,
        eta: etaText(p),
      };
      if (!started) {
        bar.start(done + left, done, payload);
        started = true;
      } else {
        bar.setTotal(done + left);
        bar.update(done, payload);
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

/** A line per page while listing, then one per 5% of the detail fetches. */
function lineReporter(stream: NodeJS.WriteStream): ProgressReporter {
  let lastKey = '';
  return {
    update(p) {
      const queued = p.run.stats.detailsEnqueued;
      const detailStep = queued === 0 ? 0 : Math.floor((p.detailsDone * 20) / queued);
      const key = p.phase === 'listing' ? `pass ${p.pass} page ${p.pagesDone}` : `${p.phase} ${detailStep}`;
      if (key === lastKey) return;
      lastKey = key;
      stream.write(`${formatProgressLine(p)}\n`);
    },
    stop() {},
  };
}

export function formatSummary(result: BackfillResult, rateLimitPerMin: number): string {
  const { progress, durationMs } = result;
  const { run } = progress;
  const { stats } = run;
  const minutes = durationMs / 60_000;
  const rate = minutes > 0 ? result.sessionApiCalls / minutes : 0;
  const verdict = {
    completed: 'completed',
    failed: `FAILED: ${run.lastError ?? 'unknown error'}`,
    interrupted: 'interrupted (run the same command again to resume)',
    'auth-rejected': 'stopped: TokPortal rejected the API key (run the same command again to resume)',
  }[result.outcome];
  return [
    `Backfill ${run.id} ${verdict} in ${formatDuration(durationMs / 1_000)}${result.start.resumed ? ' (resumed)' : ''}`,
    `  bundles: ${stats.listed} listed on ${stats.pages} pages: ${stats.created} new, ${stats.changed} changed, ` +
      `${stats.unchanged} unchanged, ${stats.stale} stale`,
    `  listing: ${stats.passes} ${stats.passes === 1 ? 'pass' : 'passes'}` +
      (stats.unproven > 0
        ? ', none proven complete (the list kept changing under the walk: the next run and rolling verification cover it)'
        : stats.passes > 1
          ? `, pass ${stats.passes - 1} proven complete by the next` + (stats.vanished > 0 || stats.duplicatesListed > 0 ? ` (the list moved under the walk: ${stats.duplicatesListed} listed twice, ${stats.vanished} gone)` : '')
          : ''),
    `  detail fetches: ${stats.detailsEnqueued} requested, ${progress.pendingDetails} still queued`,
    `  API calls: ${stats.apiCalls} list + ${progress.detailsDone} detail over the run; ${result.sessionApiCalls} this session, ` +
      `${rate.toFixed(1)}/min achieved of ${rateLimitPerMin}/min allowed` +
      (stats.errors > 0 ? `; ${stats.errors} failed list calls retried` : ''),
  ].join('\n');
}
