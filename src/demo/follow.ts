// With --keep-running, every change the mirror records is printed as it lands: the embedded
// PGlite cannot be opened by psql or `report` while the demo holds it, so this is the window.
import { changesAfter, latestChangeId, type BundleChange } from '../db/bundles-read.js';
import type { Database } from '../db/connection.js';

export function formatChange(change: BundleChange): string {
  const what = change.changedFields.length > 0 ? change.changedFields.join(', ') : 'first seen';
  const ref = change.externalRef ? ` (${change.externalRef})` : '';
  const handle = change.username ? ` @${change.username}` : '';
  const remade = change.remadeCount ? `, remade ${change.remadeCount}x` : '';
  return `  [mirror] ${change.bundleId}${ref} via ${change.source}: ${what} -> ${change.status ?? '?'}${handle}${remade}`;
}

/** Prints versions recorded from now on until stop() is called; stop() resolves after the last poll. */
export async function followChanges(db: Database, out: (text: string) => void, intervalMs = 500): Promise<() => Promise<void>> {
  let lastId = await latestChangeId(db);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> = Promise.resolve();
  const poll = async () => {
    for (const change of await changesAfter(db, lastId)) {
      lastId = change.id;
      out(formatChange(change));
    }
  };
  const schedule = () => {
    timer = setTimeout(() => {
      polling = poll()
        .catch(() => {}) // a failed poll is retried at the next tick; the demo goes on
        .finally(() => {
          if (!stopped) schedule();
        });
    }, intervalMs);
  };
  schedule();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await polling;
  };
}
