// Runs the TypeScript source of a clone as plain JavaScript, with no build step to remember.
//
// A run-time TypeScript loader (tsx) costs every process ~40 MiB of memory (a loader thread with
// its own V8 heap, plus the transform machinery) and start-up CPU on every module it loads. So
// instead the source is compiled once, file by file, by esbuild (the same transform tsx applies)
// into node_modules/.cache/tokportal-sync/<fingerprint>/, and the process imports that. The
// fingerprint covers every source file's path, size and modification time: editing any file
// makes the next start compile again (about a quarter of a second), otherwise a start only
// stats the files. Concurrent starts each compile into a private folder and rename it into
// place, so they never see a half-written build.
//
// When the cache cannot be written (a read-only checkout), it falls back to the tsx loader.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Source folders compiled together (the application and the fake TokPortal it can start). */
const SOURCE_DIRS = ['src', 'fake-tokportal'];
/** Older builds kept: a long-running process may still import lazily loaded modules from its own. */
const KEEP_BUILDS = 3;
/** Bumped when the way builds are made changes, so an old cache is never reused. */
const BUILD_FORMAT = '1';

function listSources(root) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(join(root, dir))) walk(join(root, dir));
  return files.sort();
}

function fingerprint(root, files) {
  const hash = createHash('sha256').update(`${BUILD_FORMAT}\0${process.version}\0`);
  for (const name of ['package.json', 'tsconfig.json']) {
    const stat = statSync(join(root, name), { throwIfNoEntry: false });
    hash.update(`${name}\0${stat?.size}\0${stat?.mtimeMs}\0`);
  }
  for (const file of files) {
    const stat = statSync(file);
    hash.update(`${relative(root, file)}\0${stat.size}\0${stat.mtimeMs}\0`);
  }
  return hash.digest('hex').slice(0, 16);
}

async function compile(root, files, outdir) {
  const { build } = await import('esbuild');
  await build({
    entryPoints: files,
    outdir,
    outbase: root,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    // Linked maps cost nothing unless the user runs with --enable-source-maps.
    sourcemap: 'linked',
    logLevel: 'error',
  });
}

/** Removes all but the most recently used builds. Best effort: another process may be pruning too. */
function prune(cacheDir) {
  const builds = readdirSync(cacheDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^[0-9a-f]{16}$/.test(entry.name))
    .map((entry) => ({ path: join(cacheDir, entry.name), used: statSync(join(cacheDir, entry.name)).mtimeMs }))
    .sort((a, b) => b.used - a.used);
  for (const stale of builds.slice(KEEP_BUILDS)) rmSync(stale.path, { recursive: true, force: true });
}

/**
 * The URL of `relativeEntry` (e.g. 'src/cli/main.ts') compiled to JavaScript, compiling the
 * source first when it changed; null when no build can be written here.
 */
export async function compiledEntry(root, relativeEntry) {
  const files = listSources(root);
  const cacheDir = join(root, 'node_modules', '.cache', 'tokportal-sync');
  const buildDir = join(cacheDir, fingerprint(root, files));
  const entry = join(buildDir, relativeEntry.replace(/\.ts$/, '.js'));
  try {
    if (!existsSync(entry)) {
      mkdirSync(cacheDir, { recursive: true });
      const staging = `${buildDir}.${process.pid}.tmp`;
      rmSync(staging, { recursive: true, force: true });
      await compile(root, files, staging);
      try {
        renameSync(staging, buildDir);
      } catch (error) {
        // Another process finished the same build first: use theirs.
        rmSync(staging, { recursive: true, force: true });
        if (!existsSync(entry)) throw error;
      }
      prune(cacheDir);
    } else {
      // Marks the build as in use, so pruning keeps it.
      const now = new Date();
      utimesSync(buildDir, now, now);
    }
  } catch (error) {
    if (['EACCES', 'EPERM', 'EROFS'].includes(error?.code)) return null;
    throw error;
  }
  return new URL(`file://${entry}`).href;
}
