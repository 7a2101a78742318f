#!/usr/bin/env node
// The installed entry point. The production image runs the compiled dist/ directly (its
// ENTRYPOINT). From a clone the TypeScript source runs as JavaScript compiled on demand into
// node_modules/.cache (bin/source-build.js), so there is no build step to forget and no
// run-time TypeScript loader in the process; tsx remains the fallback where that cache cannot
// be written.
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
