// One process at a time in an embedded PGlite folder. PGlite itself opens a folder another
// process holds without a word, and two writers corrupt it; so whoever opens it writes
// `tokportal-sync.lock` there first (created exclusively, with its pid), and removes it on close.
// A lock whose process is gone (a crash, kill -9) is taken over. While `start` or the demo serves
// the database on a port, the lock names the port, so a read-only command can go through it.
import { openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'tokportal-sync.lock';

export type LockHolder = {
  pid: number;
  /** What holds it, e.g. "tokportal-sync start". */
  command: string;
  startedAt: string;
  /** Where the holder serves the database (127.0.0.1), when it does. */
  port?: number;
};

export type PgliteLock = {
  holder: LockHolder;
  /** Records the port the database is served on, for the next process that finds the lock. */
  announcePort(port: number | undefined): void;
  release(): void;
};

/** The embedded database is open in another live process. */
export class PgliteBusyError extends Error {
  override name = 'PgliteBusyError';
  constructor(
    readonly dir: string,
    readonly holder: LockHolder,
  ) {
    const served = holder.port ? `; it serves it on 127.0.0.1:${holder.port}` : '';
    super(`the embedded database in ${dir} is open in process ${holder.pid} (${holder.command}, since ${holder.startedAt})${served}`);
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live process holding the folder, if any (a stale lock reads as none). */
export function readLockHolder(dir: string): LockHolder | null {
  let text: string;
  try {
    text = readFileSync(join(dir, LOCK_FILE), 'utf8');
  } catch {
    return null;
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    return isAlive(holder.pid) && holder.pid !== process.pid ? holder : null;
  } catch {
    // Half-written by a holder that died mid-write: nobody holds it.
    return null;
  }
}

export function describeCommand(argv: readonly string[] = process.argv): string {
  const words = argv.slice(2).filter((word) => !word.startsWith('-'));
  return `tokportal-sync ${words.slice(0, 2).join(' ') || '(library)'}`.trim();
}

/** Takes the folder for this process, or throws PgliteBusyError naming who has it. */
export function acquirePgliteLock(dir: string, command = describeCommand()): PgliteLock {
  const path = join(dir, LOCK_FILE);
  const holder: LockHolder = { pid: process.pid, command, startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, JSON.stringify(holder));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
      const current = readLockHolder(dir);
      if (current) throw new PgliteBusyError(dir, current);
      // Stale (its process is gone): take it over.
      rmSync(path, { force: true });
    }
  }
  let released = false;
  return {
    holder,
    announcePort(port) {
      if (released) return;
      if (port === undefined) delete holder.port;
      else holder.port = port;
      writeFileSync(path, JSON.stringify(holder));
    },
    release() {
      if (released) return;
      released = true;
      // Only our own lock: never remove one a later process took over.
      try {
        if ((JSON.parse(readFileSync(path, 'utf8')) as LockHolder).pid !== process.pid) return;
      } catch {
        return;
      }
      rmSync(path, { force: true });
    },
  };
}
