// Inbox rows written straight into a test database, as the receiver would have left them.
import { randomUUID } from 'node:crypto';
import type { Database } from '../../src/db/connection.js';
import { insertInboxEvents } from '../../src/db/inbox-insert.js';
import { bundleAccounts, bundles } from '../../src/db/schema.js';

const event = (eventId: string, type: string, receivedAt: string, ids: { bundleId?: string; accountId?: string; savedAccountId?: string }, status = 'processed') => ({
  eventId,
  type,
  bundleId: ids.bundleId ?? null,
  accountId: ids.accountId ?? null,
  savedAccountId: ids.savedAccountId ?? null,
  payload: { id: eventId, type, data: {} },
  status,
  receivedAt: new Date(receivedAt),
});

/** `count` events of a bundle, enqueued and waiting for their sync; returns their ids. */
export async function insertPendingEvents(db: Database, bundleId: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => `evt_${randomUUID()}`);
  await insertInboxEvents(
    db,
    ids.map((eventId) => ({ eventId, type: 'account.in_review', bundleId, payload: {}, status: 'enqueued' })),
  );
  return ids;
}

/**
 * The replay tests' history (test/worker/replay.test.ts, test/cli/replay/): seven events over
 * one morning, of every status, one of them an account event without a bundle id whose account
 * the mirror knows from a past incarnation of bnd_known.
 */
export async function insertReplayHistory(db: Database): Promise<void> {
  await db.insert(bundles).values({
    bundleId: 'bnd_known',
    status: 'published',
    raw: {},
    contentHash: 'h',
    apiUpdatedAt: new Date(),
    savedAccountId: 'acc_saved_2',
  });
  await db.insert(bundleAccounts).values({
    bundleId: 'bnd_known',
    incarnation: 1,
    savedAccountId: 'acc_saved_1',
    username: 'old_handle',
    firstSeenAt: new Date(),
    lastSeenAt: new Date(),
    replacedAt: new Date(),
  });
  await insertInboxEvents(db, [
    event('evt_1', 'account.in_review', '2026-03-01T09:00:00Z', { bundleId: 'bnd_a' }),
    event('evt_2', 'account.finalized', '2026-03-01T11:00:00Z', { bundleId: 'bnd_a' }),
    event('evt_3', 'account.remade', '2026-03-01T11:30:00Z', { bundleId: 'bnd_b' }, 'received'),
    event('evt_4', 'video.published', '2026-03-01T12:00:00Z', { bundleId: 'bnd_c' }),
    // An account event without a bundle id, for an account the mirror knows from history.
    event('evt_5', 'account.banned', '2026-03-01T12:30:00Z', { savedAccountId: 'acc_saved_1' }),
    event('evt_6', 'credits.restored', '2026-03-01T13:00:00Z', {}, 'not_applicable'),
    event('evt_7', 'account.finalized', '2026-03-01T13:30:00Z', { bundleId: 'bnd_rejected' }, 'rejected'),
  ]);
}
