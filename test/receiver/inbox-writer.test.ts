// Group commit: concurrent deliveries share insert statements and bulk enqueues, yet each
// answer comes only after its own row is committed.
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEvents } from '../../src/db/schema.js';
import { startStack, type Stack, type TestReceiver } from '../support/stack.js';
import { pendingSyncJobs } from '../support/wait.js';
import { deliver, makeEnvelope } from '../support/webhooks.js';

let stack: Stack;
let app: TestReceiver;

beforeAll(async () => {
  // One insert at a time and a 10 ms window: the grouping shows even when a loaded machine
  // lets requests trickle in (with more slots, batches shrink as the slots absorb the load).
  stack = await startStack({
    label: 'batching',
    receiver: { writer: { maxWaitMs: 10, maxBatchSize: 100, maxConcurrentBatches: 1 }, relay: false },
  });
  app = stack.receiver;
});
afterAll(async () => {
  await stack?.close();
});

describe('inbox writer batching', () => {
  it('writes 300 concurrent deliveries in far fewer inserts, each answered only after its commit', async () => {
    const envelopes = Array.from({ length: 300 }, (_, i) => makeEnvelope({ bundleId: `bun_batch_${i % 30}` }));
    const committedAtAnswer = await Promise.all(
      envelopes.map(async (envelope) => {
        const response = await deliver(app.url, envelope);
        expect(response.status).toBe(200);
        // Read right after the answer: a 2xx must mean the row is already durable.
        const rows = await stack.db
          .select({ id: webhookEvents.eventId })
          .from(webhookEvents)
          .where(eq(webhookEvents.eventId, envelope.id as string));
        return rows.length === 1;
      }),
    );
    expect(committedAtAnswer.every(Boolean)).toBe(true);

    const { stats } = app.receiver.writer;
    expect(stats.rows).toBe(300);
    expect(stats.batches).toBeLessThan(100); // at least 3 rows per insert on average
    expect(stats.largestBatch).toBeGreaterThan(3);
    expect(stats.largestBatch).toBeLessThanOrEqual(100);

    await app.receiver.writer.flush(); // enqueue marks are written off the request path
    const rows = await stack.db
      .select({ status: webhookEvents.status })
      .from(webhookEvents)
      .where(inArray(webhookEvents.eventId, envelopes.map((envelope) => envelope.id as string)));
    expect(rows).toHaveLength(300);
    expect(rows.every((row) => row.status === 'enqueued')).toBe(true);
    // 300 events on 30 bundles: one waiting job per bundle.
    expect(await pendingSyncJobs(app.queue)).toHaveLength(30);
  });

  it('flushes a partial batch on close, so a graceful stop loses nothing pending', async () => {
    const writer = app.receiver.writer;
    const batchesBefore = writer.stats.batches;
    const pending = writer.write({ eventId: 'evt_flush_on_close', type: 'bundle.created', bundleId: 'bun_flush', payload: {} });
    await writer.flush();
    await expect(pending).resolves.toEqual({ duplicate: false, enqueued: true });
    expect(writer.stats.batches).toBe(batchesBefore + 1);
  });
});
