// Redis goes away while webhooks keep arriving. The receiver reaches Redis through a TCP
// proxy that the test cuts and restores on the same port, so from the receiver's side Redis
// really stops and comes back: events are committed to the inbox meanwhile, answered 2xx,
// and the relay enqueues them once Redis answers again. Nothing is lost.
import net from 'node:net';
import { isNull, and, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEvents } from '../../src/db/schema.js';
import { waitFor } from '../support/wait.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { compareWithApi, waitForMirror } from '../support/mirror.js';
import { startStack, type Stack } from '../support/stack.js';

/** A cuttable TCP link to Redis. */
class TcpProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<number> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const redisTarget = new URL(TEST_REDIS_URL);
const proxy = new TcpProxy({ host: redisTarget.hostname, port: Number(redisTarget.port || 6379) });
let live: Stack;

beforeAll(async () => {
  const port = await proxy.start();
  live = await startStack({
    label: 'e2eredis',
    fake: { bundles: 40, seed: 'e2e-redis-outage' },
    rateLimitPerMin: 6_000,
    // Only the receiver reaches Redis through the proxy; the worker and the test see it directly.
    receiver: { env: { REDIS_URL: `redis://127.0.0.1:${port}` }, relay: { intervalMs: 200, graceMs: 300, maxBackoffMs: 500 } },
    worker: true,
  });
});
afterAll(async () => {
  await live?.close();
  await proxy.stop();
});

async function readyStatus(): Promise<number> {
  return (await fetch(`${live.receiver.url}/readyz`)).status;
}

describe('Redis unreachable while receiving', () => {
  it('answers 2xx from the inbox, and every event is enqueued and processed once Redis is back', async () => {
    const ids = live.fake.listBundleIds().slice(0, 6);
    const change = (id: string, title: string) => live.fake.patch(id, { title, events: ['bundle.published'] });

    // Normal service first.
    await change(ids[0]!, 'before the outage');
    await waitForMirror(live, [ids[0]!]);

    await proxy.stop();
    await waitFor(async () => (await readyStatus()) === 503, { what: 'the receiver to notice Redis is gone' });
    const sentBefore = live.fake.stats().webhooksSent;
    for (const id of ids) await change(id, 'during the outage');
    await waitFor(() => live.fake.stats().webhooksPending === 0, { what: 'deliveries during the outage' });

    // Every delivery was acknowledged, none failed: TokPortal has nothing to retry.
    expect(live.fake.stats().webhooksSent - sentBefore).toBe(ids.length);
    expect(live.fake.stats().webhooksFailed).toBe(0);
    const stranded = await live.db
      .select()
      .from(webhookEvents)
      .where(and(inArray(webhookEvents.bundleId, ids), isNull(webhookEvents.enqueuedAt)));
    expect(stranded).toHaveLength(ids.length);

    await proxy.start();
    await waitFor(async () => (await readyStatus()) === 200, { what: 'the receiver to see Redis again' });
    await live.settle();

    const events = await live.db.select().from(webhookEvents).where(inArray(webhookEvents.bundleId, ids));
    expect(events).toHaveLength(ids.length + 1);
    expect(events.every((event) => event.status === 'processed' && event.enqueuedAt !== null)).toBe(true);
    for (const result of await compareWithApi(live, ids)) expect(result.mirror).toEqual(result.api);
  });
});
