// With --keep-running, every change the mirror records is printed as it lands: the embedded
// PGlite cannot be opened by psql or `report` while the demo holds it, so this is the window.
import { asc, gt, max } from 'drizzle-orm';
import type { Database } from '../db/connection.js';
import { bundleVersions } from '../db/schema.js';

export type ChangeLine = {
  id: number;
  bundleId: string;
  source: string;
  changedFields: string[];
  status: string | null;
  username: string | null;
  externalRef: string | null;
  remadeCount: number | null;
};

export function formatChange(change: ChangeLine): string {
  const what = change.changedFields.length > 0 ? change.changedFields.join(', ') : 'first seen';
  const ref = change.externalRef ? ` (${change.externalRef})` : '';
  const handle = change.username ? ` @${change.username}` : '';
  const remade = change.remadeCount ? `, remade ${change.remadeCount}x` : '';
  return `  [mirror] ${change.bundleId}${ref} via ${change.source}: ${what} -> ${change.status ?? '?'}${handle}${remade}`;
}

async function newChanges(db: Database, afterId: number): Promise<ChangeLine[]> {
  return db
    .select({
      id: bundleVersions.id,
      bundleId: bundleVersions.bundleId,
      source: bundleVersions.source,
      changedFields: bundleVersions.changedFields,
      status: bundleVersions.status,
      username: bundleVersions.username,
      externalRef: bundleVersions.externalRef,
      remadeCount: bundleVersions.remadeCount,
    })
    .from(bundleVersions)
    .where(gt(bundleVersions.id, afterId))
    .orderBy(asc(bundleVersions.id))
    .limit(500);
}

/** Prints versions recorded from now on until stop() is called; stop() resolves after the last poll. */
export async function followChanges(db: Database, out: (text: string) => void, intervalMs = 500): Promise<() => Promise<void>> {
  const [latest] = await db.select({ id: max(bundleVersions.id) }).from(bundleVersions);
  let lastId = Number(latest?.id ?? 0);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> = Promise.resolve();
  const poll = async () => {
    for (const change of await newChanges(db, lastId)) {
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
