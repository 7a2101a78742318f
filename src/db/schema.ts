// The mirror's schema, the single source drizzle-kit generates migrations from.
// Everything lives in the `tokportal` schema so the mirror can share a database.
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

export const tokportal = pgSchema('tokportal');

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Current state of every bundle ever seen: one row per bundle_id, never hard-deleted. */
export const bundles = tokportal.table(
  'bundles',
  {
    bundleId: text('bundle_id').primaryKey(),
    externalRef: text('external_ref'),
    title: text('title'),
    bundleType: text('bundle_type'),
    platform: text('platform'),
    country: text('country'),
    status: text('status').notNull(),
    accountStatus: text('account_status'),
    videosQuantity: integer('videos_quantity'),
    editsQuantity: integer('edits_quantity'),
    usedEdits: integer('used_edits'),
    creditCost: integer('credit_cost'),
    existingAccountId: text('existing_account_id'),
    autoFinalizeVideos: boolean('auto_finalize_videos'),
    wantsNicheWarming: boolean('wants_niche_warming'),
    wantsDeepWarming: boolean('wants_deep_warming'),
    wantsModeration: boolean('wants_moderation'),
    // Computed by TokPortal, stored as delivered.
    isPublished: boolean('is_published'),
    accountConfigured: boolean('account_configured'),
    videosTotal: integer('videos_total'),
    videosConfiguredCount: integer('videos_configured_count'),
    nextAction: text('next_action'),
    // Remake info.
    wasRemade: boolean('was_remade').notNull().default(false),
    remadeCount: integer('remade_count').notNull().default(0),
    oldUsername: text('old_username'),
    remadeAt: timestamptz('remade_at'),
    // Detail-only fields (GET /bundles/:id); a list observation never erases them.
    savedAccountId: text('saved_account_id'),
    accountListingId: text('account_listing_id'),
    username: text('username'),
    visibleName: text('visible_name'),
    biography: text('biography'),
    profilePictureUrl: text('profile_picture_url'),
    // Bookkeeping.
    raw: jsonb('raw').notNull(),
    contentHash: text('content_hash').notNull(),
    apiCreatedAt: timestamptz('api_created_at'),
    apiUpdatedAt: timestamptz('api_updated_at').notNull(),
    firstSeenAt: timestamptz('first_seen_at').notNull().defaultNow(),
    lastSyncedAt: timestamptz('last_synced_at').notNull().defaultNow(),
    detailSyncedAt: timestamptz('detail_synced_at'),
    /** TokPortal's updated_at of the last detail applied: list observations move api_updated_at, not this. */
    detailUpdatedAt: timestamptz('detail_updated_at'),
    /** Last time a list page showed this bundle: reconcile tombstone candidates are the ones a full listing missed. */
    lastListedAt: timestamptz('last_listed_at'),
    /**
     * When the request behind the state this row holds was sent (database clock). Two answers with
     * the same updated_at (whole seconds, or a change that did not move it) are ordered by it.
     */
    observedAt: timestamptz('observed_at'),
    /** The same for the last detail applied: a list item shows no account or videos, so it cannot make a detail stale. */
    detailObservedAt: timestamptz('detail_observed_at'),
    /** Last time a detail of this bundle was read and compared with the row (rolling verification picks the oldest). */
    verifiedAt: timestamptz('verified_at'),
    deletedAt: timestamptz('deleted_at'),
    notOwnedAt: timestamptz('not_owned_at'),
  },
  (t) => [
    uniqueIndex('bundles_external_ref_key').on(t.externalRef).where(sql`${t.externalRef} is not null`),
    index('bundles_status_idx').on(t.status),
    index('bundles_account_status_idx').on(t.accountStatus),
    index('bundles_platform_country_idx').on(t.platform, t.country),
    index('bundles_country_idx').on(t.country),
    index('bundles_saved_account_id_idx').on(t.savedAccountId),
    index('bundles_account_listing_id_idx').on(t.accountListingId),
    index('bundles_username_idx').on(t.username),
    index('bundles_api_updated_at_idx').on(t.apiUpdatedAt),
    // Rolling verification: the oldest-verified live bundles first, never-verified ones before all.
    index('bundles_verification_idx')
      .on(t.verifiedAt.asc().nullsFirst())
      .where(sql`${t.deletedAt} is null and ${t.notOwnedAt} is null`),
  ],
);

/** One row per video slot of a bundle, as last seen in detail. */
export const bundleVideos = tokportal.table(
  'bundle_videos',
  {
    bundleId: text('bundle_id')
      .notNull()
      .references(() => bundles.bundleId),
    position: integer('position').notNull(),
    videoId: text('video_id').notNull(),
    status: text('status').notNull(),
    name: text('name'),
    raw: jsonb('raw').notNull(),
    firstSeenAt: timestamptz('first_seen_at').notNull().defaultNow(),
    lastSeenAt: timestamptz('last_seen_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.bundleId, t.position] }), index('bundle_videos_status_idx').on(t.status)],
);

/**
 * One row per account incarnation of a bundle. A remake closes the open row
 * (replaced_at) and opens the next, so the chain of handles survives.
 */
export const bundleAccounts = tokportal.table(
  'bundle_accounts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    bundleId: text('bundle_id')
      .notNull()
      .references(() => bundles.bundleId),
    /** 1 for the first account, +1 per incarnation we know of. */
    incarnation: integer('incarnation').notNull(),
    /** remade_count TokPortal reported when this incarnation was first seen (null if inferred). */
    remadeCount: integer('remade_count'),
    accountListingId: text('account_listing_id'),
    savedAccountId: text('saved_account_id'),
    username: text('username'),
    /** Remakes TokPortal made between the previous known incarnation and this one that we never saw. */
    unseenBefore: integer('unseen_before').notNull().default(0),
    /** How we know of this handle: 'observed' in a detail, or 'old_username' (only named by a later remake). */
    evidence: text('evidence').notNull().default('observed'),
    firstSeenAt: timestamptz('first_seen_at').notNull(),
    lastSeenAt: timestamptz('last_seen_at').notNull(),
    replacedAt: timestamptz('replaced_at'),
  },
  (t) => [
    uniqueIndex('bundle_accounts_incarnation_key').on(t.bundleId, t.incarnation),
    uniqueIndex('bundle_accounts_open_key').on(t.bundleId).where(sql`${t.replacedAt} is null`),
    index('bundle_accounts_username_idx').on(t.username),
    index('bundle_accounts_saved_account_id_idx').on(t.savedAccountId),
  ],
);

/** Append-only: one row per observed change of a bundle's content. */
export const bundleVersions = tokportal.table(
  'bundle_versions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    bundleId: text('bundle_id')
      .notNull()
      .references(() => bundles.bundleId),
    observedAt: timestamptz('observed_at').notNull().defaultNow(),
    /** What caused the observation (webhook | backfill | reconcile | replay | manual), or tombstone | not_owned. */
    source: text('source').notNull(),
    /** The webhook event id, backfill run id, ... that caused the observation. */
    sourceRef: text('source_ref'),
    contentHash: text('content_hash').notNull(),
    changedFields: text('changed_fields').array().notNull().default(sql`'{}'::text[]`),
    status: text('status'),
    accountStatus: text('account_status'),
    username: text('username'),
    savedAccountId: text('saved_account_id'),
    externalRef: text('external_ref'),
    remadeCount: integer('remade_count'),
    apiUpdatedAt: timestamptz('api_updated_at'),
    raw: jsonb('raw').notNull(),
  },
  (t) => [index('bundle_versions_bundle_observed_idx').on(t.bundleId, t.observedAt)],
);

/**
 * The change feed: one row per bundle_versions row, numbered in commit order. The cursor is
 * assigned at commit by a deferred trigger under a transaction-level lock (drizzle/0006), so a
 * consumer reading `cursor > X` in order never skips a row another transaction commits later.
 */
export const changes = tokportal.table(
  'changes',
  {
    cursor: bigint('cursor', { mode: 'number' }).primaryKey(),
    versionId: bigint('version_id', { mode: 'number' })
      .notNull()
      .references(() => bundleVersions.id),
    bundleId: text('bundle_id').notNull(),
    /** When the cursor was assigned: the committing transaction's clock, just before its commit. */
    recordedAt: timestamptz('recorded_at').notNull(),
  },
  (t) => [uniqueIndex('changes_version_id_key').on(t.versionId)],
);

/** The webhook inbox: every delivery we accepted (or rejected with a valid signature). */
export const webhookEvents = tokportal.table(
  'webhook_events',
  {
    eventId: text('event_id').primaryKey(),
    type: text('type').notNull(),
    apiVersion: text('api_version'),
    bundleId: text('bundle_id'),
    accountId: text('account_id'),
    savedAccountId: text('saved_account_id'),
    payload: jsonb('payload'),
    /** The body as received, kept only for rejected deliveries. */
    rawBody: text('raw_body'),
    /** received | enqueued | processed | ignored | not_applicable | rejected */
    status: text('status').notNull().default('received'),
    statusReason: text('status_reason'),
    eventCreatedAt: timestamptz('event_created_at'),
    receivedAt: timestamptz('received_at').notNull().defaultNow(),
    enqueuedAt: timestamptz('enqueued_at'),
    processedAt: timestamptz('processed_at'),
    deliveries: integer('deliveries').notNull().default(1),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
  },
  (t) => [
    index('webhook_events_bundle_idx').on(t.bundleId, t.receivedAt),
    index('webhook_events_pending_idx').on(t.receivedAt).where(sql`${t.enqueuedAt} is null and ${t.status} = 'received'`),
    index('webhook_events_type_idx').on(t.type, t.receivedAt),
    // Events still waiting for a worker: few at any time, however large the inbox grows. Serves
    // the inbox gauges on every scrape and the relay's lost-job sweep every second.
    index('webhook_events_open_idx').on(t.receivedAt).where(sql`${t.status} in ('received', 'enqueued')`),
  ],
);

/** Backfill and reconcile runs, so an interrupted run resumes where it stopped. */
export const syncRuns = tokportal.table(
  'sync_runs',
  {
    id: text('id').primaryKey(),
    /** backfill | reconcile */
    kind: text('kind').notNull(),
    /** running | completed | failed | interrupted */
    status: text('status').notNull(),
    /** The filters and options the run was started with; a resume needs the same. */
    params: jsonb('params').notNull(),
    /** The listing pass (1, 2, ...): a run walks passes until one is proven by the next (docs/tokportal-api.md). */
    pass: integer('pass').notNull().default(1),
    nextPage: integer('next_page').notNull().default(1),
    totalPages: integer('total_pages'),
    stats: jsonb('stats').notNull().default(sql`'{}'::jsonb`),
    startedAt: timestamptz('started_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    finishedAt: timestamptz('finished_at'),
    lastError: text('last_error'),
  },
  (t) => [index('sync_runs_kind_status_idx').on(t.kind, t.status, t.startedAt)],
);

/**
 * The bundles each listing pass of a run showed, and how many times (twice: the list shifted under
 * the walk). Compared pass with pass to prove a walk saw everything; deleted when the run ends.
 */
export const syncRunListings = tokportal.table(
  'sync_run_listings',
  {
    runId: text('run_id')
      .notNull()
      .references(() => syncRuns.id, { onDelete: 'cascade' }),
    pass: integer('pass').notNull(),
    bundleId: text('bundle_id').notNull(),
    timesListed: integer('times_listed').notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.runId, t.pass, t.bundleId] })],
);

export type BundleRow = typeof bundles.$inferSelect;
export type NewBundleRow = typeof bundles.$inferInsert;
export type BundleAccountRow = typeof bundleAccounts.$inferSelect;
export type NewBundleAccountRow = typeof bundleAccounts.$inferInsert;
export type BundleVersionRow = typeof bundleVersions.$inferSelect;
export type NewBundleVersionRow = typeof bundleVersions.$inferInsert;
export type BundleVideoRow = typeof bundleVideos.$inferSelect;
export type NewBundleVideoRow = typeof bundleVideos.$inferInsert;
export type WebhookEventRow = typeof webhookEvents.$inferSelect;
export type NewWebhookEventRow = typeof webhookEvents.$inferInsert;
export type SyncRunRow = typeof syncRuns.$inferSelect;
export type ChangeRow = typeof changes.$inferSelect;
