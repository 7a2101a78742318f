#!/usr/bin/env node
// The installed entry point. A production image runs the compiled dist/cli.js directly;
// from a clone we run the TypeScript source through tsx so there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/cli/main.ts', import.meta.url).href);
