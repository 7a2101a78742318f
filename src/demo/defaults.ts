// The demo's fixed settings, apart from stack.ts so `demo --help` can show them without
// loading the stack (the fake, the database and queue clients).

/** Public values, like the ones in .env.demo: they only ever meet the fake. */
export const DEMO_WEBHOOK_SECRET = 'whsec_demo_public_value_for_the_local_demo_only';
/** Its own folder, wiped at each run: the demo never touches the PGlite `start` uses. */
export const DEMO_PGLITE_DIR = './.data/demo-pglite';
export const DEMO_QUEUE_PREFIX = 'tokportal-sync-demo';
/**
 * TokPortal allows 120 calls a minute; the demo's fake allows ten times that so the whole
 * script runs in seconds. Worker and fake agree on it, as in production.
 */
export const DEMO_RATE_LIMIT_PER_MIN = 1_200;

/**
 * TokPortal's clock in the demo: the campaign plays on fixed simulated days from Monday
 * 5 October 2026, 09:00 UTC (after any seeded history), so the service times it produces (a day in
 * review, a remade account rebuilt overnight) and docs/reporting.md are the same on every run.
 */
export const DEMO_CAMPAIGN_START = Date.UTC(2026, 9, 5, 9, 0, 0);
