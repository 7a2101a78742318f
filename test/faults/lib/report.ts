// The fault run's figures as a few readable lines (printed by both the full suite and the smoke test).
import type { FaultRunReport } from './run.js';

const list = (record: Record<string, number>) =>
  Object.entries(record)
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');

export function formatReport(report: FaultRunReport): string {
  const { options, campaign, webhooks, faults, verification: v, api } = report;
  const w = faults.worker;
  return [
    `fault run (${options.profile} API): seed ${options.seed}, ${options.bundles} seeded bundles, ${options.steps} steps every ${options.stepMs} ms` +
      ` (campaign ${(report.campaignMs / 1000).toFixed(1)} s, total ${(report.durationMs / 1000).toFixed(1)} s)`,
    `  actions: ${list(campaign.actions)}; refused ${campaign.refused}`,
    `  lifecycle steps: ${list(campaign.steps)}; remakes ${campaign.remakes} (${campaign.remakeBursts} bursts of 2-3 in a row)`,
    `  events: ${campaign.eventsEmitted} emitted, ${webhooks.deliveredEvents} delivered, ${webhooks.droppedEvents} lost on the fake's side (drop fault);` +
      ` ${webhooks.postsAccepted} POSTs accepted (duplicates incl.), ${webhooks.postsFailed} failed attempts`,
    `  inbox: ${webhooks.inboxRows} rows (${list(webhooks.inboxByStatus)}), ${webhooks.duplicatesAbsorbed} duplicate deliveries absorbed,` +
      ` ${webhooks.deliveredButMissing} delivered-but-missing`,
    `  faults injected: ${list(faults.injected)}; API answered ${faults.api429Answers} x 429 and ${faults.api5xxAnswers} x 5xx/reset;` +
      ` worker: ${w.kills} SIGKILLs, ${w.starts} starts, ${w.unexpectedExits} exits on its own (codes ${w.exitCodes.join(',') || '-'})`,
    `  fault timeline: ${faults.timeline.join('; ')}`,
    `  API: ${api.requests} requests (${api.detailAnswers} details and ${api.listAnswers} list pages served)`,
    `  mirror: ${v.liveBundles} live bundles compared, ${v.tombstoned} tombstoned, ${v.deletedNeverSeen} deleted before any sync saw them`,
    `  handles: ${v.handles.total} given, ${v.handles.recorded} in the timeline in order; ${v.handles.unobservable} unobservable` +
      ` (never shown by any answer: ${v.handles.unobservableByConstruction} by construction, seeded history or mid-burst,` +
      ` ${v.handles.unobservable - v.handles.unobservableByConstruction} remade again before any fetch looked);` +
      ` ${v.handles.lostWithKilledWorker} shown only to a worker SIGKILLed before its commit;` +
      ` ${v.handles.servedNotObserved} shown to a live worker but missing`,
    `  mismatches: ${v.mismatches.length}`,
    ...v.mismatches.slice(0, 20).map((m) => `    ${m.bundleId} ${m.what}: expected ${JSON.stringify(m.expected)} got ${JSON.stringify(m.actual)}`),
    `  logs: ${report.logs}`,
  ].join('\n');
}
