// What `tokportal-sync changes` runs: reads the change feed by cursor (src/db/change-feed.ts) and
// prints it; with --follow, follows it across dropped connections until a signal.
import { loadConfig } from '../../config.js';
import { followChanges, latestCursor, readChanges, type Change } from '../../db/change-feed.js';
import { explainMissingRelation, openMirrorReadOnly } from '../../app/read-mirror.js';
import { stopOnSignals } from '../../app/signals.js';
import { formatChangeJson, formatChangeLine } from '../../format/changes.js';
import { describeError } from '../../lib/fatal-error.js';
import { createLogger } from '../../lib/logger.js';

export type ChangesOptions = { since: number | 'latest'; follow?: boolean; json?: boolean };

export async function runChangesCommand(options: ChangesOptions): Promise<void> {
  const config = loadConfig();
  // Logs to stderr: stdout holds only the feed (pipe-able with --json).
  const logger = createLogger({ level: config.logLevel, destination: process.stderr });
  const database = await openMirrorReadOnly(config, 'tokportal-sync changes');
  const print = (change: Change) => process.stdout.write(`${options.json ? formatChangeJson(change) : formatChangeLine(change)}\n`);
  try {
    const after = options.since === 'latest' ? await latestCursor(database.db) : options.since;
    if (!options.follow) {
      for (let cursor = after; ; ) {
        const batch = await readChanges(database.db, cursor);
        batch.forEach(print);
        if (batch.length < 500) break;
        cursor = batch.at(-1)!.cursor;
      }
      return;
    }
    let failing = false;
    const follower = await followChanges(database, {
      afterCursor: after,
      // An embedded mirror is read through the port `start` serves it on: one shared session,
      // whose notifications go to the sync itself, so a short poll does the waking there.
      pollMs: config.databaseUrl ? 30_000 : 1_000,
      onChange: (change) => {
        if (failing) logger.info('reading the change feed again');
        failing = false;
        print(change);
      },
      onError: (error) => {
        if (!failing) logger.warn({ err: describeError(error) }, 'reading the change feed failed; retrying (nothing is skipped)');
        failing = true;
      },
    });
    await new Promise<void>((resolve) => {
      const release = stopOnSignals(async () => {
        release();
        await follower.stop();
        resolve();
      }, logger);
    });
  } catch (error) {
    throw explainMissingRelation(error, config) ?? error;
  } finally {
    await database.close();
  }
}
