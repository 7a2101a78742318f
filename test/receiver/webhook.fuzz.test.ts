// Seeded fuzz of POST /webhooks/tokportal with valid events interleaved: the receiver never
// answers 5xx to a sender's mistake, never falls over, stores exactly the validly signed
// deliveries (nothing else), and every valid event in between lands. Size: FUZZ_CASES
// (default 240), seed: FUZZ_SEED.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { webhookEvents } from '../../src/db/schema.js';
import { createRng } from '../../fake-tokportal/index.js';
import { everyKind, hostileCase, send, validEvent, type Answer, type HostileCase } from '../faults/lib/hostile-webhooks.js';
import { startStack, type Stack, type TestReceiver } from '../support/stack.js';
import { metricValue } from '../support/wait.js';
import { SECRET } from '../support/webhooks.js';

const CASES = Number(process.env.FUZZ_CASES ?? 240);
const SEED = process.env.FUZZ_SEED ?? 'receiver-fuzz';
const IN_FLIGHT = 8;

let stack: Stack;
let receiver: TestReceiver;

beforeAll(async () => {
  stack = await startStack({ label: 'fuzz', receiver: true });
  receiver = stack.receiver;
});

afterAll(async () => {
  await stack?.close();
});

type Sent = { hostile: HostileCase; answer: Answer; validEventId?: string };

/** The event id the receiver says it stored (200 body, or a 400's details). */
function storedEventId(answer: Answer): string | null {
  if (answer.status !== 200 && answer.status !== 400) return null;
  const body = JSON.parse(answer.body) as { event_id?: string; error?: { details?: { event_id?: string } } };
  return body.event_id ?? body.error?.details?.event_id ?? null;
}

it(`survives ${CASES} hostile deliveries (seed ${SEED}) and stores only the validly signed ones`, async () => {
  const rng = createRng(SEED);
  const url = `${receiver.url}/webhooks/tokportal`;
  const queue: { hostile: HostileCase; validEventId?: string }[] = everyKind(rng, SECRET).map((hostile) => ({ hostile }));
  while (queue.length < CASES) {
    // One valid event in five: the receiver must keep serving them in the middle of the noise.
    if (rng() < 0.2) {
      const valid = validEvent(SECRET);
      queue.push({ hostile: valid.case, validEventId: valid.eventId });
    } else {
      queue.push({ hostile: hostileCase(rng, SECRET) });
    }
  }

  const sent: Sent[] = [];
  for (let i = 0; i < queue.length; i += IN_FLIGHT) {
    const batch = queue.slice(i, i + IN_FLIGHT);
    const answers = await Promise.all(batch.map((entry) => send(url, entry.hostile)));
    batch.forEach((entry, k) => sent.push({ ...entry, answer: answers[k]! }));
  }

  const problems: string[] = [];
  const expectStored = new Set<string>();
  let unauthorized = 0;
  for (const { hostile, answer, validEventId } of sent) {
    const status = answer.status;
    const label = `${hostile.kind} → ${status}`;
    if (status === 'aborted') {
      // Only a sender that cut its own connection, or a 413 closing on an unread body, ends this way.
      if (hostile.abortAfterBytes === undefined && hostile.body.length <= 1024 * 1024) problems.push(`${label}: connection dropped`);
      continue;
    }
    if (status >= 500) problems.push(`${label}: 5xx for a sender's mistake ${answer.body.slice(0, 200)}`);
    if (!hostile.validlySigned && status !== 401 && status !== 413) problems.push(`${label}: unsigned delivery not refused`);
    if (status === 401) unauthorized += 1;
    if (validEventId && status !== 200) problems.push(`${label}: valid event not accepted`);
    const stored = storedEventId(answer);
    if (stored) {
      if (!hostile.validlySigned) problems.push(`${label}: stored an unsigned delivery`);
      expectStored.add(stored);
    }
  }
  expect(problems).toEqual([]);

  // The inbox holds exactly what was validly signed and answered as stored: nothing more, nothing less.
  const rows = await stack.db.select({ eventId: webhookEvents.eventId, status: webhookEvents.status }).from(webhookEvents);
  expect(new Set(rows.map((row) => row.eventId))).toEqual(expectStored);
  const validIds = sent.flatMap((entry) => (entry.validEventId ? [entry.validEventId] : []));
  expect(validIds.length).toBeGreaterThan(CASES * 0.1);
  for (const eventId of validIds) {
    const [row] = await stack.db.select({ status: webhookEvents.status }).from(webhookEvents).where(eq(webhookEvents.eventId, eventId));
    expect(['received', 'enqueued'], eventId).toContain(row?.status);
  }

  // Every refusal was counted, and the receiver still answers.
  expect(await metricValue(receiver.metrics, 'tokportal_sync_webhook_signature_failures_total')).toBe(unauthorized);
  expect((await fetch(`${receiver.url}/healthz`)).status).toBe(200);
  const kinds = new Set(sent.map((entry) => entry.hostile.kind));
  console.log(
    `receiver fuzz: ${sent.length} deliveries of ${kinds.size} kinds, ${unauthorized} refused as unsigned, ` +
      `${expectStored.size} stored (${validIds.length} valid events interleaved), 0 problems`,
  );
}, 60_000);
