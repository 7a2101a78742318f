// A second HTTP front on the fake's own app (same state, same middleware, same faults) that
// writes down every bundle answer the API actually served. It is the independent record of
// which handles the API ever exposed: a handle no answer ever showed (say, the middle one of
// two remakes in a row) cannot be in any mirror, and the verification counts it apart.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve, type Http2Bindings, type HttpBindings } from '@hono/node-server';
import { API_PREFIX, createFakeApp, type FakeTokPortal } from '../../../fake-tokportal/index.js';

type Served = { id?: unknown; account?: { username?: unknown } | null; remade?: { old_username?: unknown } | null };

export type ApiTap = {
  baseUrl: string;
  /** Handles shown for a bundle (account.username of a detail, remade.old_username of a detail or list item). */
  exposedHandles(bundleId: string): ReadonlySet<string>;
  /** When each answer that showed the handle was served (ms since the epoch). */
  servedAt(bundleId: string, handle: string): readonly number[];
  counts: { details: number; listPages: number };
  close(): Promise<void>;
};

export async function startApiTap(fake: FakeTokPortal): Promise<ApiTap> {
  const app = createFakeApp(fake.service);
  const exposed = new Map<string, Set<string>>();
  const served = new Map<string, number[]>();
  const stamp = (bundleId: string, handle: string) => {
    const key = `${bundleId}\u0000${handle}`;
    served.set(key, [...(served.get(key) ?? []), Date.now()]);
  };
  const counts = { details: 0, listPages: 0 };
  const note = (bundle: Served, detail: boolean) => {
    if (typeof bundle.id !== 'string') return;
    const set = exposed.get(bundle.id) ?? new Set<string>();
    exposed.set(bundle.id, set);
    const username = detail ? bundle.account?.username : undefined;
    if (typeof username === 'string') {
      set.add(username);
      stamp(bundle.id, username);
    }
    const old = bundle.remade?.old_username;
    if (typeof old === 'string') {
      set.add(old);
      stamp(bundle.id, old);
    }
  };

  const detailPath = new RegExp(`^${API_PREFIX}/bundles/[^/]+$`);
  const listPath = `${API_PREFIX}/bundles`;
  const fetch = async (request: Request, env: HttpBindings | Http2Bindings): Promise<Response> => {
    // serve() is an HTTP/1 server here: the bindings are the HttpBindings the fake's reset fault uses.
    const response = await app.fetch(request, env as HttpBindings);
    const path = new URL(request.url).pathname;
    if (request.method !== 'GET' || response.status !== 200 || (path !== listPath && !detailPath.test(path))) return response;
    // Read a copy: the client still gets the original body.
    const body = (await response.clone().json()) as { data: Served | Served[] };
    if (Array.isArray(body.data)) {
      counts.listPages += 1;
      for (const item of body.data) note(item, false);
    } else {
      counts.details += 1;
      note(body.data, true);
    }
    return response;
  };

  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started as Server)) as Server;
    started.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${API_PREFIX}`,
    exposedHandles: (bundleId) => exposed.get(bundleId) ?? new Set(),
    servedAt: (bundleId, handle) => served.get(`${bundleId}\u0000${handle}`) ?? [],
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
