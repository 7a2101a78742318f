#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=50
// The installed entry point. The production image runs the compiled dist/ directly (its
// ENTRYPOINT). From a clone the TypeScript source runs as JavaScript compiled on demand into
// node_modules/.cache (bin/source-build.js), so there is no build step to forget and no
// run-time TypeScript loader in the process; tsx remains the fallback where that cache cannot
// be written.
//
// The V8 flags of the first line (also in package.json's scripts and the Dockerfile's ENTRYPOINT,
// kept equal by test/deploy-files.test.ts) bound the heap: a young generation of 2 x 4 MiB
// instead of 2 x 16, and an old generation allowed to grow 1.5x its live size between full
// collections instead of up to 4x. A cold backfill then peaks near 125 MiB instead of 210, for
// the same CPU (docs/operations.md, "Memory").
import { fileURLToPath } from 'node:url';
import { compiledEntry } from './source-build.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = await compiledEntry(root, 'src/cli/main.ts');
if (entry) {
  await import(entry);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
