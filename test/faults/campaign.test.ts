// The full fault suite: `npm run test:faults`, sized by the environment
// (FAULTS_BUNDLES, FAULTS_STEPS, FAULTS_SEED, FAULTS_STEP_MS). Defaults run a couple of minutes.
import { expect, it } from 'vitest';
import { isProfileName, type ProfileName } from '../../fake-tokportal/index.js';
import { FAULT_KINDS } from './lib/faults.js';
import { formatReport } from './lib/report.js';
import { runFaultCampaign } from './lib/run.js';

const numberFromEnv = (name: string, fallback: number): number => {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${text}"`);
  return value;
};

const profileFromEnv = (): ProfileName => {
  const text = process.env.FAULTS_PROFILE || 'kind';
  if (!isProfileName(text)) throw new Error(`FAULTS_PROFILE must be kind or strict, got "${text}"`);
  return text;
};

const options = {
  profile: profileFromEnv(),
  bundles: numberFromEnv('FAULTS_BUNDLES', 40),
  steps: numberFromEnv('FAULTS_STEPS', 1_500),
  stepMs: numberFromEnv('FAULTS_STEP_MS', 60),
  seed: process.env.FAULTS_SEED || 'faults-default',
};

it(`mirror equals the ${options.profile} API after ${options.steps} campaign steps under every fault (seed ${options.seed})`, async () => {
  const report = await runFaultCampaign({ ...options, settleTimeoutMs: 300_000 });
  console.log(formatReport(report));

  for (const kind of FAULT_KINDS) expect(report.faults.injected[kind], kind).toBeGreaterThan(0);
  // The API bursts hit real requests (each lasts until it has, within bounds).
  expect(report.faults.api429Answers).toBeGreaterThan(0);
  expect(report.faults.api5xxAnswers).toBeGreaterThan(0);
  expect(report.webhooks.deliveredButMissing).toBe(0);
  expect(report.verification.mismatches).toEqual([]);
  // Every handle some API answer showed is in the mirror's timeline.
  expect(report.verification.handles.servedNotObserved).toBe(0);
  expect(report.verification.handles.recorded).toBeGreaterThan(0);
});
