// The faults injected while the campaign runs: a seeded plan (what, when, for how long) and
// the executor that carries it out on our own Redis, the worker child and the fake's API.
// Faults may overlap (a 5xx burst during a Redis outage is a real Tuesday).
import { createRng, type FakeTokPortal, randomInt, type Rng } from '../../../fake-tokportal/index.js';
import type { OwnRedisServer } from './redis-server.js';
import type { WorkerProcess } from './worker-process.js';

export const FAULT_KINDS = ['redis-restart', 'redis-freeze', 'worker-kill', 'api-429', 'api-5xx'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type PlannedFault = { kind: FaultKind; atMs: number; durationMs: number };

/** How many of each fault kind a run injects. */
export type FaultMix = Record<FaultKind, number>;

/** Scales with the campaign's length: at least one of each kind, one more per ~20 s of campaign. */
export function defaultFaultMix(campaignMs: number): FaultMix {
  const extra = Math.floor(campaignMs / 20_000);
  return {
    'redis-restart': 1 + Math.floor(extra / 2),
    'redis-freeze': 1 + Math.floor(extra / 3),
    'worker-kill': 1 + extra,
    'api-429': 1 + extra,
    'api-5xx': 1 + extra,
  };
}

const DURATION_MS: Record<FaultKind, [number, number]> = {
  'redis-restart': [1_000, 3_000],
  'redis-freeze': [800, 2_500],
  'worker-kill': [200, 1_500],
  'api-429': [800, 2_500],
  'api-5xx': [800, 2_500],
};

/**
 * Spreads each kind's faults over the middle of the campaign (10 % to 85 %), so the start is
 * clean and the last stretch shows recovery under continued traffic.
 */
export function planFaults(seed: number | string, campaignMs: number, mix: FaultMix): PlannedFault[] {
  const rng: Rng = createRng(`faults-plan:${seed}`);
  const plan: PlannedFault[] = [];
  FAULT_KINDS.forEach((kind, kindIndex) => {
    const count = mix[kind];
    for (let i = 0; i < count; i++) {
      // One slot per fault of a kind (the same kind never stacks on itself), and a phase per
      // kind inside the slot: kinds may overlap, but not always in the same instant (an API
      // burst that always fell while the worker was dead would test nothing).
      const slot = (0.75 * campaignMs) / count;
      const phase = (kindIndex + rng() * 0.8) / FAULT_KINDS.length;
      const atMs = Math.round(0.1 * campaignMs + slot * (i + phase));
      const [min, max] = DURATION_MS[kind];
      plan.push({ kind, atMs, durationMs: randomInt(rng, min, max) });
    }
  });
  return plan.sort((a, b) => a.atMs - b.atMs);
}

export type FaultTargets = { redis: OwnRedisServer; worker: WorkerProcess; fake: FakeTokPortal };

export type FaultLog = { injected: Record<FaultKind, number>; timeline: string[] };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An API burst lasts its duration and until it has hit a few requests (at most 4x longer). */
const MIN_FAULTY_ANSWERS = 3;

async function apiBurst(durationMs: number, faulty: () => number, on: () => void, off: () => void) {
  const before = faulty();
  const deadline = Date.now() + 4 * durationMs;
  on();
  await sleep(durationMs);
  while (faulty() - before < MIN_FAULTY_ANSWERS && Date.now() < deadline) await sleep(100);
  off();
}

/** 5xx answers and dropped connections (counted as 500) the fake has served so far. */
export function serverErrorAnswers(fake: FakeTokPortal): number {
  return Object.entries(fake.stats().requests)
    .filter(([key]) => / 5\d\d$/.test(key))
    .reduce((sum, [, count]) => sum + count, 0);
}

async function inject(fault: PlannedFault, targets: FaultTargets): Promise<void> {
  const { redis, worker, fake } = targets;
  switch (fault.kind) {
    case 'redis-restart':
      await redis.kill();
      await sleep(fault.durationMs);
      await redis.startProcess();
      return;
    case 'redis-freeze':
      redis.freeze();
      await sleep(fault.durationMs);
      redis.resume();
      return;
    case 'worker-kill':
      await worker.kill(fault.durationMs);
      return;
    case 'api-429':
      await apiBurst(
        fault.durationMs,
        () => fake.stats().rateLimited,
        () => fake.setFaults({ rateLimitBurst: true }),
        () => fake.setFaults({ rateLimitBurst: false }),
      );
      return;
    case 'api-5xx':
      // Mostly 500/502/503 answers, some connections dropped without any answer.
      await apiBurst(
        fault.durationMs,
        () => serverErrorAnswers(fake),
        () => fake.setFaults({ errorRate: 0.6, resetRate: 0.1 }),
        () => fake.setFaults({ errorRate: 0, resetRate: 0 }),
      );
      return;
  }
}

/** Runs the plan against the clock started at `startedAt`; resolves when every fault has ended. */
export async function runFaultPlan(plan: readonly PlannedFault[], targets: FaultTargets, startedAt: number): Promise<FaultLog> {
  const log: FaultLog = { injected: Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>, timeline: [] };
  const running: Promise<void>[] = [];
  for (const fault of plan) {
    const wait = startedAt + fault.atMs - Date.now();
    if (wait > 0) await sleep(wait);
    log.injected[fault.kind] += 1;
    log.timeline.push(`${((Date.now() - startedAt) / 1000).toFixed(1)}s ${fault.kind} for ${fault.durationMs} ms`);
    running.push(inject(fault, targets));
  }
  await Promise.all(running);
  return log;
}
