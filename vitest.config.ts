// `npm test`: every test file but the full fault campaign (test/faults/campaign.test.ts,
// `npm run test:faults`); its CI-sized run, test/faults/smoke.test.ts, stays in here.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/faults/campaign.test.ts', 'node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
  },
});
