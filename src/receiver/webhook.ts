// POST /webhooks/tokportal: size limit → signature on the raw bytes → envelope → inbox.
// The order matters: nothing is parsed or stored before the signature holds, and a 2xx is
// sent only once the event is committed (TokPortal retries anything else).
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Database } from '../db/connection.js';
import { resolveBundleIdForAccount } from '../db/inbox.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics, WebhookOutcome } from '../observability/metrics.js';
import { isKnownEventType, WEBHOOK_HEADERS } from '../tokportal/schemas.js';
import { verifySignature } from '../tokportal/signature.js';
import { inboxRowForEnvelope, inboxRowForRejected, parseDelivery, routeAfterLookup, routeEvent } from './parse-delivery.js';
import type { InboxWriter } from './inbox-writer.js';

export { WEBHOOK_PATH } from './webhook-path.js';
import { WEBHOOK_PATH } from './webhook-path.js';
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;
/** What a 503 asks TokPortal (or a proxy) to wait before the next attempt. */
export const RETRY_AFTER_SECONDS = 5;

export type WebhookRouteOptions = {
  db: Database;
  writer: InboxWriter;
  metrics: Metrics;
  logger: Logger;
  /** Every currently valid signing secret (several during a rotation). */
  secrets: readonly string[];
  toleranceSeconds: number;
  /** Closed while Postgres has not answered since start: deliveries get 503 + Retry-After. */
  accepting?: () => boolean;
};

/** Event types become a metric label only when TokPortal documents them: unbounded labels would bloat Prometheus. */
const typeLabel = (type: string | undefined): string => (type && isKnownEventType(type) ? type : 'unknown');

export function webhookRoutes(options: WebhookRouteOptions): Hono {
  const { db, writer, metrics, logger, secrets, toleranceSeconds } = options;
  const accepting = options.accepting ?? (() => true);
  const count = (type: string, outcome: WebhookOutcome) => metrics.webhooksReceived.inc({ type, outcome });
  const app = new Hono();

  const streamingLimit = bodyLimit({
    maxSize: MAX_WEBHOOK_BODY_BYTES,
    onError: (c) => {
      count('unverified', 'too_large');
      logger.warn({ limitBytes: MAX_WEBHOOK_BODY_BYTES }, 'webhook refused: body too large');
      // The rest of the body is never read, so the connection cannot carry another request.
      c.header('Connection', 'close');
      return c.json(errorBody('PAYLOAD_TOO_LARGE', `body exceeds ${MAX_WEBHOOK_BODY_BYTES} bytes`), 413);
    },
  });
  // hono's bodyLimit touches `c.req.raw.body` first, which makes @hono/node-server build a full
  // web Request and ReadableStream for every delivery (the largest CPU cost of a request in the
  // receiver's profile) and then read the body through that stream. A declared Content-Length
  // within the limit needs none of it: Node's HTTP parser delivers exactly that many bytes, so
  // the handler reads the body on node-server's direct path. Chunked or oversized bodies still
  // go through bodyLimit, which counts the bytes as they stream in or refuses them.
  const limitBody: MiddlewareHandler = (c, next) => {
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined && /^\d+$/.test(declared)) {
      if (Number(declared) <= MAX_WEBHOOK_BODY_BYTES) return next();
    }
    return streamingLimit(c, next);
  };

  app.post(
    WEBHOOK_PATH,
    limitBody,
    async (c) => {
      if (!accepting()) {
        // Nothing can be stored before the schema is known to be there: TokPortal keeps the delivery.
        count('unverified', 'unavailable');
        c.header('Retry-After', String(RETRY_AFTER_SECONDS));
        return c.json(errorBody('INBOX_UNAVAILABLE', 'the database is not reachable yet; retry later'), 503);
      }
      const raw = new Uint8Array(await c.req.arrayBuffer());
      const check = verifySignature({
        header: c.req.header(WEBHOOK_HEADERS.signature),
        rawBody: raw,
        secrets,
        toleranceSeconds,
      });
      if (!check.ok) {
        metrics.signatureFailures.inc({ reason: check.reason });
        count('unverified', 'unauthorized');
        logger.warn({ reason: check.reason }, 'webhook refused: signature');
        return c.json(errorBody('INVALID_SIGNATURE', `signature ${check.reason}`), 401);
      }

      const delivery = parseDelivery(raw, {
        eventId: c.req.header(WEBHOOK_HEADERS.eventId),
        eventType: c.req.header(WEBHOOK_HEADERS.eventType),
      });
      if (delivery.kind === 'rejected') {
        const stored = await store(c, inboxRowForRejected(delivery), delivery.type);
        if (stored instanceof Response) return stored;
        count(typeLabel(delivery.type), 'rejected');
        logger.warn({ eventId: delivery.eventId, reason: delivery.reason }, 'webhook rejected: unusable body (stored)');
        return c.json(errorBody('INVALID_EVENT', delivery.reason, { event_id: delivery.eventId }), 400);
      }

      const { envelope } = delivery;
      let routing = routeEvent(envelope);
      if (routing.status === 'lookup') {
        try {
          routing = routeAfterLookup(routing, await resolveBundleIdForAccount(db, routing));
        } catch (error) {
          return unavailable(c, error, envelope.type);
        }
      }
      const stored = await store(c, inboxRowForEnvelope(delivery, routing), envelope.type);
      if (stored instanceof Response) return stored;

      const outcome: WebhookOutcome = stored.duplicate ? 'duplicate' : routing.status === 'received' ? 'accepted' : routing.status;
      count(typeLabel(envelope.type), outcome);
      logger.debug({ eventId: envelope.id, type: envelope.type, outcome, enqueued: stored.enqueued }, 'webhook stored');
      return c.json({ received: true, event_id: envelope.id, outcome }, 200);
    },
  );

  /** The writer's answer, or the 503 to send when Postgres could not commit the row. */
  async function store(c: Context, row: Parameters<InboxWriter['write']>[0], type: string) {
    try {
      return await writer.write(row);
    } catch (error) {
      return unavailable(c, error, type);
    }
  }

  function unavailable(c: Context, error: unknown, type: string): Response {
    count(typeLabel(type), 'unavailable');
    logger.error({ err: error instanceof Error ? error.message : String(error) }, 'webhook not stored: inbox unavailable (503, TokPortal will retry)');
    c.header('Retry-After', String(RETRY_AFTER_SECONDS));
    return c.json(errorBody('INBOX_UNAVAILABLE', 'the event could not be stored; retry later'), 503);
  }

  return app;
}

function errorBody(code: string, message: string, details: Record<string, unknown> = {}) {
  return { error: { code, message, details } };
}
