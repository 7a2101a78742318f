// `tokportal-sync demo` from start to end: a seeded fake TokPortal, the initial mirror by a
// backfill, then receiver + worker + reconcile scheduler through the same `startAll` as
// `start`, a scripted campaign, the reporting tables and a check of the mirror against the
// fake's truth. Returns the verification; the command turns it into the exit code.
import { backfillDependencies, redactUrl, startAll, stopOnSignals, type StartedServices } from '../app/index.js';
import { serveEmbeddedDatabase } from '../app/serve-embedded.js';
import { TokPortalClient } from '../tokportal/client.js';
import { runBackfill } from '../worker/backfill.js';
import { runCampaign, type CampaignContext } from './campaign.js';
import { DEMO_PGLITE_DIR, DEMO_WEBHOOK_SECRET } from './defaults.js';
import { followChanges } from './follow.js';
import {
  buildDemoReports,
  formatBackfillLine,
  formatKeepRunning,
  formatReports,
  formatStepLine,
  formatVerification,
  formatWhereToLook,
} from './narration.js';
import { waitForRest } from './settle.js';
import { openDemoStack, type DemoSettings, type DemoStack } from './stack.js';
import { compareMirror, readMirror, unknowableHandles, type BundleTruth, type Verification } from './verify.js';

export type DemoOptions = DemoSettings & {
  keepRunning: boolean;
  quiet: boolean;
  /** Rows of the current-bundles table. */
  topBundles?: number;
};

export type Output = (text: string) => void;

export async function runDemo(options: DemoOptions, out: Output): Promise<Verification> {
  const startedAt = Date.now();
  const stack = await openDemoStack(options);
  const { fake, runtime, config } = stack;
  const database = config.databaseUrl ? redactUrl(config.databaseUrl) : `embedded PGlite in ${DEMO_PGLITE_DIR} (fresh)`;
  out(
    `tokportal-sync demo: a fake TokPortal with ${options.bundles} seeded bundles (seed "${options.seed}") at ${fake.origin}; ` +
      `mirror: ${database}; queue: ${redactUrl(config.redisUrl)} prefix ${config.queuePrefix}`,
  );
  let services: StartedServices | undefined;
  try {
    const backfill = await runBackfill(
      backfillDependencies(runtime),
      { filters: {}, details: 'auto' },
    );
    if (backfill.outcome !== 'completed') throw new Error(`the initial backfill ended ${backfill.outcome}: ${backfill.progress.run.lastError ?? ''}`);
    out(`1. ${formatBackfillLine(backfill)}`);
    const unknowable = snapshotUnknowableHandles(stack);

    services = await startAll(runtime, { port: 0, host: '127.0.0.1' });
    fake.addWebhookEndpoint({ url: `${services.receiver.url}/webhooks/tokportal`, secret: DEMO_WEBHOOK_SECRET });
    const pipeline = { fake, db: runtime.db, queue: runtime.queue() };
    // The scheduler's first reconcile runs at once: on a fresh mirror it finds nothing to do.
    await waitForRest(pipeline);
    out(
      `2. Live: receiver ${services.receiver.url} (TokPortal's webhooks, signed, point at it), worker at ` +
        `${config.rateLimitPerMin}/min, reconcile every ${Math.round(config.reconcileIntervalMs / 60_000)}m`,
    );

    out('3. Campaign' + (options.quiet ? '' : ':'));
    const ctx: CampaignContext = { ...pipeline, clock: stack.clock, api: new TokPortalClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey }) };
    const campaign = await runCampaign(ctx, (step) => {
      if (!options.quiet) out(formatStepLine(step));
    });
    const backlog = await waitForRest(pipeline);
    // From here TokPortal's clock follows real time again (for --keep-running).
    stack.clock.run();
    const events = campaign.steps.reduce((sum, step) => sum + step.events, 0);
    out(
      `   ${campaign.steps.length} steps, ${events} webhook events (${campaign.duplicatedEvents} delivered more than once, stored once), ` +
        `all processed; queue drained${backlog.jobsFailed > 0 ? `, ${backlog.jobsFailed} jobs FAILED` : ''}`,
    );

    out('');
    out(formatReports(await buildDemoReports(runtime.db, campaign.remadeBundleIds, options.topBundles ?? 10)));
    out('');
    const verification = compareMirror(readTruth(stack, unknowable), await readMirror(runtime.db));
    out(formatVerification(verification));
    out('');
    const example = campaign.remadeBundleIds[0];
    out(formatWhereToLook(config.databaseUrl, example));
    if (options.keepRunning) {
      out('');
      // The embedded mirror is this process's alone: served on PGLITE_PORT, psql and report read it live.
      const served = await serveEmbeddedDatabase(runtime);
      out(
        formatKeepRunning({
          receiverUrl: services.receiver.url,
          fakeOrigin: fake.origin,
          fakeBaseUrl: fake.baseUrl,
          exampleBundleId: example,
          psql: served?.psql,
        }),
      );
      const stopFollowing = await followChanges(runtime.database, out);
      await untilSignal(stack);
      await stopFollowing();
    } else {
      const elapsed = ((Date.now() - startedAt) / 1_000).toFixed(1);
      out(`Done in ${elapsed} s. To keep it running and play with it: npm run demo -- --keep-running`);
    }
    return verification;
  } finally {
    if (services) await services.stop();
    await stack.close(!services);
  }
}

/** For each seeded bundle, how many of its handles date from before the mirror's first look. */
function snapshotUnknowableHandles(stack: DemoStack): Map<string, number> {
  const unknowable = new Map<string, number>();
  for (const id of stack.fake.listBundleIds()) {
    const remadeCount = stack.fake.service.store.get(id)?.remadeCount ?? 0;
    unknowable.set(id, unknowableHandles(stack.fake.handles(id), remadeCount));
  }
  return unknowable;
}

function readTruth(stack: DemoStack, unknowable: ReadonlyMap<string, number>): Map<string, BundleTruth> {
  const truth = new Map<string, BundleTruth>();
  for (const id of stack.fake.listBundleIds()) {
    truth.set(id, {
      detail: stack.fake.getBundle(id) as Record<string, unknown>,
      handles: stack.fake.handles(id),
      unknowable: unknowable.get(id) ?? 0,
    });
  }
  return truth;
}

function untilSignal(stack: DemoStack): Promise<void> {
  return new Promise((resolve) => {
    const release = stopOnSignals(async () => {
      release();
      resolve();
    }, stack.runtime.logger);
  });
}
