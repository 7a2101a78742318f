// The fault run at CI size, against the kind and the strict fake: every fault kind once, a short
// campaign, the same assertions as the full suite (npm run test:faults). Under a minute each on
// 2 shared cores.
import { describe, expect, it } from 'vitest';
import { formatReport } from './lib/report.js';
import { runFaultCampaign } from './lib/run.js';
import { FAULT_KINDS } from './lib/faults.js';

describe.each(['kind', 'strict'] as const)('%s API', (profile) => {
it('keeps the mirror equal to the API through duplicated, reordered, dropped webhooks, Redis restarts, worker kills and 429/5xx bursts', async () => {
  const report = await runFaultCampaign({ bundles: 12, steps: 240, stepMs: 50, seed: 'ci-smoke', settleTimeoutMs: 60_000, profile });
  console.log(formatReport(report));

  for (const kind of FAULT_KINDS) expect(report.faults.injected[kind], kind).toBeGreaterThan(0);
  // The API bursts hit real requests (each lasts until it has, within bounds).
  expect(report.faults.api429Answers).toBeGreaterThan(0);
  expect(report.faults.api5xxAnswers).toBeGreaterThan(0);
  expect(report.faults.worker.kills).toBeGreaterThan(0);
  expect(report.campaign.eventsEmitted).toBeGreaterThan(50);
  expect(report.webhooks.deliveredButMissing).toBe(0);
  expect(report.verification.mismatches).toEqual([]);
  // Every handle some API answer showed is in the mirror's timeline.
  expect(report.verification.handles.servedNotObserved).toBe(0);
  expect(report.verification.handles.recorded).toBeGreaterThan(0);
}, 120_000);
});
