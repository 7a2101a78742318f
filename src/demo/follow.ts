// With --keep-running, every change the mirror records is printed as it lands: the change feed
// (src/db/change-feed.ts), read by cursor from the latest one at the time the demo reaches rest.
import type { DatabaseHandle } from '../db/connection.js';
import { followChanges as followFeed, latestCursor } from '../db/change-feed.js';
import { formatChangeLine } from '../format/changes.js';

/** Prints changes committed from now on until stop() is called; stop() resolves after the last read. */
export async function followChanges(handle: DatabaseHandle, out: (text: string) => void): Promise<() => Promise<void>> {
  const follower = await followFeed(handle, {
    afterCursor: await latestCursor(handle.db),
    onChange: (change) => out(`  [mirror] ${formatChangeLine(change)}`),
  });
  return () => follower.stop();
}
