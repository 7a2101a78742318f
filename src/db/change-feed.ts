// The change feed (drizzle/0006): every committed change of a bundle has a cursor that grows in
// commit order, and each commit sends NOTIFY tokportal_changes with its cursors. A consumer reads
// `cursor > last` in order and cannot skip or repeat a change; followChanges adds LISTEN to be
// woken at once, and catches up by cursor whenever the LISTEN is (re)established.
import { asc, eq, gt, max } from 'drizzle-orm';
import type { Database, DatabaseHandle } from './connection.js';
import { bundleVersions, changes } from './schema.js';

export const CHANGES_CHANNEL = 'tokportal_changes';

export type Change = {
  cursor: number;
  recordedAt: Date;
  bundleId: string;
  source: string;
  sourceRef: string | null;
  changedFields: string[];
  status: string | null;
  accountStatus: string | null;
  username: string | null;
  externalRef: string | null;
  remadeCount: number | null;
  apiUpdatedAt: Date | null;
  observedAt: Date;
  versionId: number;
};

/** Changes committed after `afterCursor`, in cursor order, at most `limit`. */
export async function readChanges(db: Database, afterCursor: number, limit = 500): Promise<Change[]> {
  return db
    .select({
      cursor: changes.cursor,
      recordedAt: changes.recordedAt,
      bundleId: bundleVersions.bundleId,
      source: bundleVersions.source,
      sourceRef: bundleVersions.sourceRef,
      changedFields: bundleVersions.changedFields,
      status: bundleVersions.status,
      accountStatus: bundleVersions.accountStatus,
      username: bundleVersions.username,
      externalRef: bundleVersions.externalRef,
      remadeCount: bundleVersions.remadeCount,
      apiUpdatedAt: bundleVersions.apiUpdatedAt,
      observedAt: bundleVersions.observedAt,
      versionId: bundleVersions.id,
    })
    .from(changes)
    .innerJoin(bundleVersions, eq(bundleVersions.id, changes.versionId))
    .where(gt(changes.cursor, afterCursor))
    .orderBy(asc(changes.cursor))
    .limit(limit);
}

/** The cursor of the latest committed change, 0 when there is none. */
export async function latestCursor(db: Database): Promise<number> {
  const [row] = await db.select({ cursor: max(changes.cursor) }).from(changes);
  return Number(row?.cursor ?? 0);
}

export type FollowOptions = {
  /** Print changes after this cursor (0: from the beginning). */
  afterCursor: number;
  onChange: (change: Change) => void;
  /** A read failed (the connection dropped): it is retried; say so once per outage if you like. */
  onError?: (error: unknown) => void;
  /** Also read every this often, in case a notification never comes (default 30 s). */
  pollMs?: number;
};

export type Follower = {
  /** The cursor of the last change handed to onChange. */
  cursor(): number;
  /** Resolves once every change committed before the call has been handed over. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * Hands every change after `afterCursor` to onChange, in cursor order, exactly once, and keeps
 * doing so as changes commit: woken by NOTIFY, and reading by cursor (never by payload), so a
 * lost or reordered notification cannot lose or repeat anything. After a dropped connection the
 * LISTEN is re-established and the read that follows catches up on what committed meanwhile.
 */
export async function followChanges(handle: DatabaseHandle, options: FollowOptions): Promise<Follower> {
  let cursor = options.afterCursor;
  let stopped = false;
  let draining: Promise<void> | null = null;
  let again = false;
  let retryTimer: NodeJS.Timeout | undefined;

  const drainOnce = async () => {
    for (;;) {
      const batch = await readChanges(handle.db, cursor);
      for (const change of batch) {
        if (stopped) return;
        cursor = change.cursor;
        options.onChange(change);
      }
      if (batch.length < 500) return;
    }
  };
  /** One read at a time; a wake-up during a read asks for one more read after it. */
  const drain = (): Promise<void> => {
    if (draining) {
      again = true;
      return draining;
    }
    draining = (async () => {
      try {
        do {
          again = false;
          await drainOnce();
        } while (again && !stopped);
      } catch (error) {
        options.onError?.(error);
        if (!stopped) {
          clearTimeout(retryTimer);
          retryTimer = setTimeout(() => void drain(), 500);
        }
      } finally {
        draining = null;
      }
    })();
    return draining;
  };

  const unlisten = await handle.listen(CHANGES_CHANNEL, () => void drain(), () => void drain());
  const poll = setInterval(() => void drain(), options.pollMs ?? 30_000);
  return {
    cursor: () => cursor,
    async caughtUp() {
      // A read in progress reads once more after itself: that read starts after this call.
      await drain();
    },
    async stop() {
      stopped = true;
      clearInterval(poll);
      clearTimeout(retryTimer);
      await unlisten();
      if (draining) await draining.catch(() => {});
    },
  };
}
