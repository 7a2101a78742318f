// The anchor of the receiver benchmark: the same stack (Hono on @hono/node-server, same
// Node, same tsx loader) doing the least a webhook endpoint can do: read the body, answer 200.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { runChild } from '../lib/processes.js';

await runChild(async () => {
  const app = new Hono();
  let received = 0;
  app.post('/webhooks/tokportal', async (c) => {
    await c.req.arrayBuffer();
    received += 1;
    return c.json({ received: true });
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return { received };
    },
  };
});
