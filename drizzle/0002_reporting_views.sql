-- Reporting views over the mirror (docs/reporting.md explains each one with examples).
-- Counts are cast to int and ratios to float8 so every client gets plain numbers.
-- "Live" means not tombstoned (deleted_at is null): a 404'd bundle keeps its history but
-- leaves the current picture.

-- One row per live bundle, with the handle of its open account incarnation. current_username
-- is null until a detail named the account, and between a remake seen in a list and the next
-- detail (the old handle is no longer current, the new one not known yet).
CREATE VIEW "tokportal"."current_bundles" AS
SELECT
  b.bundle_id,
  b.external_ref,
  b.title,
  b.bundle_type,
  b.platform,
  b.country,
  b.status,
  b.account_status,
  b.next_action,
  a.username AS current_username,
  a.saved_account_id AS current_saved_account_id,
  a.first_seen_at AS handle_seen_since,
  b.remade_count,
  coalesce(h.known_handles, 0) AS known_handles,
  b.credit_cost,
  b.videos_total,
  b.videos_configured_count,
  b.is_published,
  (b.not_owned_at IS NOT NULL) AS not_owned,
  b.api_created_at,
  b.api_updated_at,
  b.last_synced_at,
  b.detail_synced_at
FROM "tokportal"."bundles" b
LEFT JOIN "tokportal"."bundle_accounts" a ON a.bundle_id = b.bundle_id AND a.replaced_at IS NULL
LEFT JOIN (
  SELECT bundle_id, count(*)::int AS known_handles FROM "tokportal"."bundle_accounts" GROUP BY bundle_id
) h ON h.bundle_id = b.bundle_id
WHERE b.deleted_at IS NULL;
--> statement-breakpoint

-- Every handle every bundle ever had, in order (incarnation 1, 2, ...). evidence says how we
-- know it: 'observed' in a detail, or 'old_username' when only a later remake named it;
-- unseen_before counts remakes between the previous row and this one that nobody saw.
CREATE VIEW "tokportal"."account_timeline" AS
SELECT
  a.bundle_id,
  b.external_ref,
  b.platform,
  b.country,
  a.incarnation,
  a.username,
  lag(a.username) OVER w AS previous_username,
  lead(a.username) OVER w AS next_username,
  a.saved_account_id,
  a.account_listing_id,
  a.remade_count,
  a.evidence,
  a.unseen_before,
  a.first_seen_at,
  a.last_seen_at,
  a.replaced_at,
  (a.replaced_at IS NULL) AS is_current,
  (b.deleted_at IS NOT NULL) AS bundle_deleted
FROM "tokportal"."bundle_accounts" a
JOIN "tokportal"."bundles" b ON b.bundle_id = a.bundle_id
WINDOW w AS (PARTITION BY a.bundle_id ORDER BY a.incarnation);
--> statement-breakpoint

-- Live bundles that were remade at least once (TokPortal's remade_count) or whose account
-- changed under us, with the chain of handles we hold. handles_missing = handles TokPortal's
-- count implies (remade_count + 1) that we do not hold: remakes nobody saw and never named by
-- old_username, or a remake a list revealed whose new handle no detail has shown yet.
CREATE VIEW "tokportal"."remakes" AS
SELECT
  b.bundle_id,
  b.external_ref,
  b.platform,
  b.country,
  b.status,
  b.remade_count,
  count(a.id)::int AS known_handles,
  greatest(b.remade_count + 1 - count(a.id), 0)::int AS handles_missing,
  string_agg(coalesce(a.username, '?'), ' -> ' ORDER BY a.incarnation) AS handles,
  b.old_username,
  b.remade_at AS last_remade_at
FROM "tokportal"."bundles" b
LEFT JOIN "tokportal"."bundle_accounts" a ON a.bundle_id = b.bundle_id
WHERE b.deleted_at IS NULL
GROUP BY b.bundle_id
HAVING b.remade_count > 0 OR count(a.id) > 1;
--> statement-breakpoint

-- Remakes per market: how often accounts of a platform/country get remade.
CREATE VIEW "tokportal"."remakes_by_market" AS
SELECT
  platform,
  country,
  count(*)::int AS bundles,
  (count(*) FILTER (WHERE remade_count > 0))::int AS remade_bundles,
  coalesce(sum(remade_count), 0)::int AS remakes,
  round(100.0 * count(*) FILTER (WHERE remade_count > 0) / count(*), 1)::float8 AS remade_pct,
  max(remade_at) AS last_remade_at
FROM "tokportal"."bundles"
WHERE deleted_at IS NULL
GROUP BY platform, country;
--> statement-breakpoint

-- Campaigns by external_ref. external_ref is unique per bundle, so a campaign is the ref
-- without its last segment ("campaign-12-007" -> "campaign-12"; a ref without a separator
-- is its own campaign); bundles without a ref form the row with a null campaign.
CREATE VIEW "tokportal"."campaign_summary" AS
WITH tagged AS (
  SELECT b.*, coalesce(substring(b.external_ref FROM '^(.+)[-_:/#.][^-_:/#.]+$'), b.external_ref) AS campaign
  FROM "tokportal"."bundles" b
  WHERE b.deleted_at IS NULL
)
SELECT
  campaign,
  count(*)::int AS bundles,
  (count(*) FILTER (WHERE status = 'completed'))::int AS completed,
  (count(*) FILTER (WHERE status IN ('cancelled', 'archived')))::int AS cancelled_or_archived,
  (count(*) FILTER (WHERE status NOT IN ('completed', 'cancelled', 'archived')))::int AS in_progress,
  (count(*) FILTER (WHERE saved_account_id IS NOT NULL))::int AS accounts_delivered,
  coalesce(sum(remade_count), 0)::int AS remakes,
  coalesce(sum(credit_cost), 0)::int AS credits,
  coalesce(sum(videos_total), 0)::int AS videos_total,
  coalesce(sum(videos_configured_count), 0)::int AS videos_configured,
  min(external_ref) AS first_ref,
  max(external_ref) AS last_ref,
  min(api_created_at) AS first_created_at,
  max(api_updated_at) AS last_updated_at
FROM tagged
GROUP BY campaign;
--> statement-breakpoint

-- Credits by market and month of creation (UTC). A cancelled bundle's credits are counted
-- apart (TokPortal restores them: credits.restored); spent = everything else.
CREATE VIEW "tokportal"."credit_spend" AS
SELECT
  to_char(date_trunc('month', api_created_at AT TIME ZONE 'UTC'), 'YYYY-MM') AS month,
  platform,
  country,
  count(*)::int AS bundles,
  (coalesce(sum(credit_cost) FILTER (WHERE status <> 'cancelled'), 0))::int AS credits_spent,
  (coalesce(sum(credit_cost) FILTER (WHERE status = 'cancelled'), 0))::int AS credits_cancelled,
  (coalesce(sum(credit_cost) FILTER (WHERE is_published), 0))::int AS credits_published
FROM "tokportal"."bundles"
WHERE deleted_at IS NULL
GROUP BY 1, platform, country;
--> statement-breakpoint

-- Where work stands: live bundles by status and TokPortal's suggested next_action.
CREATE VIEW "tokportal"."pipeline" AS
SELECT
  status,
  next_action,
  count(*)::int AS bundles,
  coalesce(sum(credit_cost), 0)::int AS credits,
  min(api_updated_at) AS oldest_update,
  round((extract(epoch FROM (now() - min(api_updated_at))) / 86400.0)::numeric, 1)::float8 AS max_days_idle
FROM "tokportal"."bundles"
WHERE deleted_at IS NULL
GROUP BY status, next_action;
--> statement-breakpoint

-- Webhook received -> bundle synced, per inbox event of a bundle. synced_at is when the worker
-- marked the event processed or, failing that, the bundle's first sync after the event arrived
-- (a reconcile can cover an event whose own job has not run). Pending events have waiting_seconds.
CREATE VIEW "tokportal"."sync_lag" AS
WITH lagged AS (
  SELECT
    e.event_id,
    e.type,
    e.bundle_id,
    e.status,
    e.received_at,
    coalesce(e.processed_at, CASE WHEN b.last_synced_at >= e.received_at THEN b.last_synced_at END) AS synced_at,
    e.attempts,
    e.last_error
  FROM "tokportal"."webhook_events" e
  LEFT JOIN "tokportal"."bundles" b ON b.bundle_id = e.bundle_id
  WHERE e.bundle_id IS NOT NULL AND e.status IN ('received', 'enqueued', 'processed')
)
SELECT
  event_id,
  type,
  bundle_id,
  status,
  received_at,
  synced_at,
  extract(epoch FROM (synced_at - received_at))::float8 AS lag_seconds,
  (synced_at IS NULL) AS pending,
  CASE WHEN synced_at IS NULL THEN extract(epoch FROM (now() - received_at))::float8 END AS waiting_seconds,
  attempts,
  last_error
FROM lagged;
--> statement-breakpoint

-- Sync lag percentiles per event type.
CREATE VIEW "tokportal"."sync_lag_summary" AS
SELECT
  type,
  count(*)::int AS events,
  (count(*) FILTER (WHERE pending))::int AS pending,
  round(percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_seconds)::numeric, 3)::float8 AS p50_seconds,
  round(percentile_cont(0.95) WITHIN GROUP (ORDER BY lag_seconds)::numeric, 3)::float8 AS p95_seconds,
  round(max(lag_seconds)::numeric, 3)::float8 AS max_seconds,
  round(max(waiting_seconds)::numeric, 3)::float8 AS oldest_pending_seconds
FROM "tokportal"."sync_lag"
GROUP BY type;
