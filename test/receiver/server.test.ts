// Graceful stop: requests already in the writer's batch window are committed and answered,
// then the port closes. Nothing acknowledged is lost, nothing committed goes unanswered.
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEvents } from '../../src/db/schema.js';
import { startStack, type Stack } from '../support/stack.js';
import { pendingSyncJobs } from '../support/wait.js';
import { deliver, makeEnvelope } from '../support/webhooks.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ label: 'shutdown' });
});
afterAll(async () => {
  await stack?.close();
});

describe('graceful shutdown', () => {
  it('answers every in-flight request after committing it, then refuses new connections', async () => {
    // A long batch window keeps the requests inside the writer when close() is called.
    const app = await stack.startReceiver({ writer: { maxWaitMs: 2_000 }, relay: false });
    const envelopes = Array.from({ length: 10 }, (_, i) => makeEnvelope({ bundleId: `bun_stop_${i}` }));
    const answers = envelopes.map((envelope) => deliver(app.url, envelope));
    const deadline = Date.now() + 10_000;
    while (app.receiver.writer.waiting < 10 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(app.receiver.writer.waiting).toBe(10);
    await app.receiver.close();

    expect((await Promise.all(answers)).map((response) => response.status)).toEqual(Array(10).fill(200));
    const rows = await stack.db
      .select({ status: webhookEvents.status })
      .from(webhookEvents)
      .where(inArray(webhookEvents.eventId, envelopes.map((envelope) => envelope.id as string)));
    expect(rows).toHaveLength(10);
    expect(rows.every((row) => row.status === 'enqueued')).toBe(true); // marks flushed by close()
    expect(await pendingSyncJobs(app.queue)).toHaveLength(10);

    await expect(fetch(`${app.url}/healthz`)).rejects.toThrow();
    await expect(app.receiver.writer.write({ eventId: 'evt_late', type: 'bundle.created', payload: {} })).rejects.toThrow(/closed/);
    await app.close();
  });
});
