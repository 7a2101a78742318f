// Reads `.env` (the file `cp .env.example .env` makes) before any setting is: `npm start` on a
// clone must see what the operator wrote there. Node's own parser (process.loadEnvFile) fills in
// only what the environment does not set, so an explicit `VAR=... npm start` (or a container's
// environment) still wins. ENV_FILE names another file; ENV_FILE= (empty) reads none.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../lib/fatal-error.js';

/** Loads the env file when present; returns its absolute path, or null when none was read. */
export function loadEnvFile(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | null {
  const named = env.ENV_FILE;
  if (named === '') return null;
  const path = resolve(cwd, named ?? '.env');
  if (!existsSync(path)) {
    // A file the operator named and that is missing is a mistake; a missing default .env is normal.
    if (named !== undefined) throw new ConfigError(`ENV_FILE names ${path}, which does not exist`);
    return null;
  }
  try {
    process.loadEnvFile(path);
  } catch (error) {
    throw new ConfigError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return path;
}
