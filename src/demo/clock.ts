// TokPortal's clock for the demo's fake: still during the campaign, jumping to each step's
// simulated time, so every updated_at, created_at and remade_at is the same on every run; it runs
// in real time afterwards (--keep-running), from where the campaign left it.
import { DEMO_CAMPAIGN_START } from './defaults.js';

export type DemoClock = {
  now(): number;
  /** Moves the still clock to campaign start + offset (never backwards). */
  jumpTo(offsetMs: number): void;
  /** From now on it follows real time. */
  run(): void;
};

export function createDemoClock(start = DEMO_CAMPAIGN_START): DemoClock {
  let offset = 0;
  let runningSince: number | null = null;
  return {
    now: () => start + offset + (runningSince === null ? 0 : Date.now() - runningSince),
    jumpTo(offsetMs) {
      if (runningSince === null) offset = Math.max(offset, offsetMs);
    },
    run() {
      runningSince ??= Date.now();
    },
  };
}
