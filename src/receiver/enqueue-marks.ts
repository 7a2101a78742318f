// Coalesces "these events now have a job" updates into one UPDATE every few milliseconds.
// The mark is bookkeeping for the relay (enqueued_at is null → still needs a job), not part
// of the answer to TokPortal, so it runs off the request path; each commit saved is a WAL
// flush saved. If the process dies before a mark lands, the relay enqueues those events
// again after its grace period, and job deduplication makes that harmless.
import type { Database } from '../db/connection.js';
import { markEventsEnqueued } from '../db/inbox.js';
import type { Logger } from '../lib/logger.js';

/** Keeps one UPDATE's id list (and its parameters) reasonable. */
const MAX_IDS_PER_UPDATE = 5_000;

export class EnqueueMarks {
  private ids: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly delayMs = 20,
  ) {}

  add(eventIds: string[]): void {
    if (eventIds.length === 0) return;
    this.ids.push(...eventIds);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.delayMs);
  }

  /** Writes every mark collected so far, after the ones already being written. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ids = this.ids;
    this.ids = [];
    this.writing = this.writing.then(async () => {
      for (let start = 0; start < ids.length; start += MAX_IDS_PER_UPDATE) {
        try {
          await markEventsEnqueued(this.db, ids.slice(start, start + MAX_IDS_PER_UPDATE));
        } catch (error) {
          this.logger.warn(
            { err: error instanceof Error ? error.message : String(error), events: ids.length },
            'could not mark inbox events as enqueued; the relay will enqueue them again (harmless)',
          );
        }
      }
    });
    return this.writing;
  }
}
