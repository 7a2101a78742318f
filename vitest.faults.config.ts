// `npm run test:faults`: the full fault suite (test/faults/), sized by FAULTS_BUNDLES,
// FAULTS_STEPS, FAULTS_SEED. It runs alone: its faults (worker kills, Redis restarts) hit only
// its own processes, but its timing wants the machine's attention.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/faults/campaign.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 15 * 60_000,
    hookTimeout: 60_000,
  },
});
