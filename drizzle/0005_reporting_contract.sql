-- The reporting contract (docs/reporting.md): one definition of credits, timeline columns no
-- derived duration can make negative, dates as dates, a stable order in every view, the timing
-- views (status_durations, delivery_intervals, delivery_times, status_daily), the function
-- bundles_as_of(at), and a COMMENT on every table, view and column of the schema
-- (test/db/comments.test.ts fails on any column without one).
--
-- Conventions of every view:
-- - "live" = not tombstoned (deleted_at is null): a bundle TokPortal answered 404 for keeps its
--   history but leaves the current picture;
-- - credits_spent = credit_cost of the bundles that are not cancelled (TokPortal gives a cancelled
--   bundle's credits back, event credits.restored); credits_restored = those of the cancelled ones;
-- - counts are int and ratios float8, so every client gets plain numbers;
-- - TokPortal time (api_updated_at, remade_at) dates what happened at TokPortal; observed_at,
--   last_synced_at and received_at are the mirror's own clock;
-- - each view ends with ORDER BY on a unique key: selected as it is, it comes in that order
--   (add your own ORDER BY once you filter, join or aggregate).

DROP VIEW "tokportal"."sync_lag_summary";
--> statement-breakpoint
DROP VIEW "tokportal"."sync_lag";
--> statement-breakpoint
DROP VIEW "tokportal"."pipeline";
--> statement-breakpoint
DROP VIEW "tokportal"."credit_spend";
--> statement-breakpoint
DROP VIEW "tokportal"."campaign_summary";
--> statement-breakpoint
DROP VIEW "tokportal"."remakes_by_market";
--> statement-breakpoint
DROP VIEW "tokportal"."remakes";
--> statement-breakpoint
DROP VIEW "tokportal"."account_timeline";
--> statement-breakpoint
DROP VIEW "tokportal"."current_bundles";
--> statement-breakpoint

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
  (CASE WHEN b.status = 'cancelled' THEN 0 ELSE coalesce(b.credit_cost, 0) END)::int AS credits_spent,
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
WHERE b.deleted_at IS NULL
ORDER BY b.api_updated_at DESC, b.bundle_id;
--> statement-breakpoint

-- known_from: the earliest instant the handle is known to have existed. A handle the mirror saw
-- existed when first seen; a handle only named by a later remake (old_username) is known to have
-- existed right before it was replaced, so known_from <= replaced_at on every row and known_for
-- (its known lifetime) is never negative. observed_from / observed_until: when the mirror itself
-- saw it (null for old_username rows, which nobody saw).
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
  least(a.first_seen_at, a.replaced_at) AS known_from,
  a.replaced_at,
  a.replaced_at - least(a.first_seen_at, a.replaced_at) AS known_for,
  CASE WHEN a.evidence = 'observed' THEN a.first_seen_at END AS observed_from,
  CASE WHEN a.evidence = 'observed' THEN greatest(a.first_seen_at, a.last_seen_at) END AS observed_until,
  (a.replaced_at IS NULL) AS is_current,
  (b.deleted_at IS NOT NULL) AS bundle_deleted
FROM "tokportal"."bundle_accounts" a
JOIN "tokportal"."bundles" b ON b.bundle_id = a.bundle_id
WINDOW w AS (PARTITION BY a.bundle_id ORDER BY a.incarnation)
ORDER BY a.bundle_id, a.incarnation;
--> statement-breakpoint

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
HAVING b.remade_count > 0 OR count(a.id) > 1
ORDER BY b.remade_count DESC, b.bundle_id;
--> statement-breakpoint

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
GROUP BY platform, country
ORDER BY remakes DESC, platform, country;
--> statement-breakpoint

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
  (coalesce(sum(credit_cost) FILTER (WHERE status <> 'cancelled'), 0))::int AS credits_spent,
  (coalesce(sum(credit_cost) FILTER (WHERE status = 'cancelled'), 0))::int AS credits_restored,
  coalesce(sum(videos_total), 0)::int AS videos_total,
  coalesce(sum(videos_configured_count), 0)::int AS videos_configured,
  min(external_ref) AS first_ref,
  max(external_ref) AS last_ref,
  min(api_created_at) AS first_created_at,
  max(api_updated_at) AS last_updated_at
FROM tagged
GROUP BY campaign
ORDER BY campaign NULLS LAST;
--> statement-breakpoint

CREATE VIEW "tokportal"."credit_spend" AS
SELECT
  (date_trunc('month', api_created_at AT TIME ZONE 'UTC'))::date AS month,
  platform,
  country,
  count(*)::int AS bundles,
  (coalesce(sum(credit_cost) FILTER (WHERE status <> 'cancelled'), 0))::int AS credits_spent,
  (coalesce(sum(credit_cost) FILTER (WHERE status = 'cancelled'), 0))::int AS credits_restored,
  (coalesce(sum(credit_cost) FILTER (WHERE status <> 'cancelled' AND is_published), 0))::int AS credits_published
FROM "tokportal"."bundles"
WHERE deleted_at IS NULL
GROUP BY 1, platform, country
ORDER BY month DESC NULLS LAST, credits_spent DESC, platform, country;
--> statement-breakpoint

CREATE VIEW "tokportal"."pipeline" AS
SELECT
  status,
  next_action,
  count(*)::int AS bundles,
  (coalesce(sum(credit_cost) FILTER (WHERE status <> 'cancelled'), 0))::int AS credits_spent,
  min(api_updated_at) AS oldest_update,
  round((extract(epoch FROM (now() - min(api_updated_at))) / 86400.0)::numeric, 1)::float8 AS max_days_idle
FROM "tokportal"."bundles"
WHERE deleted_at IS NULL
GROUP BY status, next_action
ORDER BY bundles DESC, status, next_action NULLS FIRST;
--> statement-breakpoint

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
FROM lagged
ORDER BY received_at DESC, event_id;
--> statement-breakpoint

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
GROUP BY type
ORDER BY events DESC, type;
--> statement-breakpoint

-- One row per stretch of time a bundle spent in one status (field 'status') or its account in one
-- account status (field 'account_status'), from bundle_versions. Each version is dated by
-- TokPortal's updated_at (a tombstone or not_owned row, which ends what the mirror can see, by
-- when the mirror saw it), never earlier than the version before it: versions apply in id order
-- per bundle, so durations are never negative. Two changes in the same second give a stretch of
-- zero. A status held when the mirror first looked has entry_observed = false: entered_at is
-- then only an upper bound (unless the bundle was created in it: api_created_at = entered_at).
CREATE VIEW "tokportal"."status_durations" AS
WITH versions AS (
  SELECT
    v.id,
    v.bundle_id,
    v.source IN ('tombstone', 'not_owned') AS gone,
    CASE WHEN v.source IN ('tombstone', 'not_owned') THEN NULL ELSE v.status END AS status,
    CASE WHEN v.source IN ('tombstone', 'not_owned') THEN NULL ELSE v.account_status END AS account_status,
    max(CASE WHEN v.source IN ('tombstone', 'not_owned') THEN v.observed_at ELSE coalesce(v.api_updated_at, v.observed_at) END)
      OVER (PARTITION BY v.bundle_id ORDER BY v.id) AS at,
    row_number() OVER (PARTITION BY v.bundle_id ORDER BY v.id) AS seq
  FROM "tokportal"."bundle_versions" v
),
fields AS (
  SELECT id, bundle_id, seq, at, 'status'::text AS field, status AS value FROM versions
  UNION ALL
  SELECT id, bundle_id, seq, at, 'account_status'::text, account_status FROM versions
),
changes AS (
  SELECT f.*,
    (f.value IS DISTINCT FROM lag(f.value) OVER (PARTITION BY f.bundle_id, f.field ORDER BY f.seq)) OR f.seq = 1 AS starts
  FROM fields f
),
stretches AS (
  SELECT c.*, lead(c.at) OVER (PARTITION BY c.bundle_id, c.field ORDER BY c.seq) AS next_at
  FROM changes c
  WHERE c.starts
)
SELECT
  s.bundle_id,
  b.external_ref,
  b.platform,
  b.country,
  b.bundle_type,
  s.field,
  s.value AS status,
  s.at AS entered_at,
  s.next_at AS left_at,
  s.next_at - s.at AS duration,
  round((extract(epoch FROM (s.next_at - s.at)) / 3600.0)::numeric, 3)::float8 AS hours,
  (s.seq > 1 OR s.at = b.api_created_at) AS entry_observed,
  s.id AS version_id
FROM stretches s
JOIN "tokportal"."bundles" b ON b.bundle_id = s.bundle_id
WHERE s.value IS NOT NULL
ORDER BY s.bundle_id, s.field DESC, s.at, s.id;
--> statement-breakpoint

-- One row per measured TokPortal service interval, only where the mirror saw both ends happen:
-- - publish_to_account_review: the bundle entered published (or published_priority) -> its
--   account next entered in_review;
-- - account_review_to_finalized: the account entered in_review -> it next entered finalized;
-- - remake_to_finalized: TokPortal's remade_at of a remake the mirror saw -> the first version
--   from then on that shows the (new) account finalized.
-- Intervals still open (not finalized yet) are not rows: pending work is in status_durations.
CREATE VIEW "tokportal"."delivery_intervals" AS
WITH stretches AS (
  SELECT * FROM "tokportal"."status_durations"
),
published AS (
  SELECT s.bundle_id, s.entered_at AS started_at, s.version_id
  FROM stretches s
  WHERE s.field = 'status' AND s.status IN ('published', 'published_priority') AND s.entry_observed
),
reviews AS (
  SELECT s.bundle_id, s.entered_at, s.version_id
  FROM stretches s
  WHERE s.field = 'account_status' AND s.status = 'in_review' AND s.entry_observed
),
finalized AS (
  SELECT s.bundle_id, s.entered_at, s.version_id
  FROM stretches s
  WHERE s.field = 'account_status' AND s.status = 'finalized' AND s.entry_observed
),
remakes AS (
  SELECT
    v.bundle_id,
    v.id AS version_id,
    v.remade_count,
    coalesce((v.raw -> 'remade' ->> 'remade_at')::timestamptz, v.api_updated_at) AS started_at
  FROM (
    SELECT v.*, lag(v.remade_count) OVER (PARTITION BY v.bundle_id ORDER BY v.id) AS previous_count
    FROM "tokportal"."bundle_versions" v
    WHERE v.source NOT IN ('tombstone', 'not_owned')
  ) v
  WHERE v.remade_count > v.previous_count
),
measured AS (
  SELECT p.bundle_id, 'publish_to_account_review'::text AS step, p.started_at, r.entered_at AS finished_at
  FROM published p
  CROSS JOIN LATERAL (
    SELECT r.entered_at FROM reviews r
    WHERE r.bundle_id = p.bundle_id AND r.version_id >= p.version_id
    ORDER BY r.version_id LIMIT 1
  ) r
  UNION ALL
  SELECT r.bundle_id, 'account_review_to_finalized', r.entered_at, f.entered_at
  FROM reviews r
  CROSS JOIN LATERAL (
    SELECT f.entered_at FROM finalized f
    WHERE f.bundle_id = r.bundle_id AND f.version_id > r.version_id
    ORDER BY f.version_id LIMIT 1
  ) f
  UNION ALL
  SELECT m.bundle_id, 'remake_to_finalized', m.started_at, f.finished_at
  FROM remakes m
  CROSS JOIN LATERAL (
    SELECT greatest(coalesce(v.api_updated_at, v.observed_at), m.started_at) AS finished_at
    FROM "tokportal"."bundle_versions" v
    WHERE v.bundle_id = m.bundle_id AND v.id >= m.version_id AND v.account_status = 'finalized'
      AND v.remade_count >= m.remade_count AND v.source NOT IN ('tombstone', 'not_owned')
    ORDER BY v.id LIMIT 1
  ) f
)
SELECT
  m.bundle_id,
  b.external_ref,
  b.platform,
  b.country,
  b.bundle_type,
  m.step,
  m.started_at,
  m.finished_at,
  m.finished_at - m.started_at AS duration,
  round((extract(epoch FROM (m.finished_at - m.started_at)) / 3600.0)::numeric, 3)::float8 AS hours
FROM measured m
JOIN "tokportal"."bundles" b ON b.bundle_id = m.bundle_id
ORDER BY m.finished_at, m.bundle_id, m.step;
--> statement-breakpoint

-- TokPortal's service times per month (UTC) the interval finished in: a month's figures stop
-- moving once it is over. Percentiles do not add up across rows: for another grouping (all
-- platforms of a country, a quarter), aggregate delivery_intervals yourself.
CREATE VIEW "tokportal"."delivery_times" AS
SELECT
  (date_trunc('month', finished_at AT TIME ZONE 'UTC'))::date AS month,
  step,
  country,
  platform,
  bundle_type,
  count(*)::int AS measured,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY duration) AS median,
  percentile_cont(0.9) WITHIN GROUP (ORDER BY duration) AS p90,
  round(percentile_cont(0.5) WITHIN GROUP (ORDER BY hours)::numeric, 2)::float8 AS median_hours,
  round(percentile_cont(0.9) WITHIN GROUP (ORDER BY hours)::numeric, 2)::float8 AS p90_hours
FROM "tokportal"."delivery_intervals"
GROUP BY 1, step, country, platform, bundle_type
ORDER BY month DESC, step, country, platform, bundle_type;
--> statement-breakpoint

-- For each day (UTC) from the first recorded state to today, how many bundles were in each status
-- at the end of that day (midnight UTC after it), by TokPortal's time. A bundle counts from its
-- first recorded state (so a workspace mirrored late starts with what the first look showed) and
-- stops when the mirror saw it deleted or lost access. Only statuses held by at least one bundle.
CREATE VIEW "tokportal"."status_daily" AS
WITH stretches AS (
  SELECT status, entered_at, left_at FROM "tokportal"."status_durations" WHERE field = 'status'
),
days AS (
  SELECT d::date AS day
  FROM generate_series(
    (SELECT min(entered_at AT TIME ZONE 'UTC')::date FROM stretches),
    greatest((now() AT TIME ZONE 'UTC')::date, (SELECT max(entered_at AT TIME ZONE 'UTC')::date FROM stretches)),
    interval '1 day'
  ) d
)
SELECT d.day, s.status, count(*)::int AS bundles
FROM days d
JOIN stretches s
  ON s.entered_at < ((d.day + 1)::timestamp AT TIME ZONE 'UTC')
 AND (s.left_at IS NULL OR s.left_at >= ((d.day + 1)::timestamp AT TIME ZONE 'UTC'))
GROUP BY d.day, s.status
ORDER BY d.day DESC, s.status;
--> statement-breakpoint

-- Every bundle as the mirror knew it at `at`, by TokPortal's time: the latest recorded version
-- dated at or before `at` (dated as in status_durations). A bundle appears from its first
-- recorded state and is absent while the mirror saw it deleted or not owned.
CREATE FUNCTION "tokportal"."bundles_as_of"("at" timestamptz)
RETURNS TABLE (
  bundle_id text,
  external_ref text,
  status text,
  account_status text,
  username text,
  saved_account_id text,
  remade_count integer,
  dated_at timestamptz,
  api_updated_at timestamptz,
  observed_at timestamptz,
  version_id bigint
)
LANGUAGE sql STABLE
AS $$
  SELECT bundle_id, external_ref, status, account_status, username, saved_account_id, remade_count,
         dated_at, api_updated_at, observed_at, id
  FROM (
    SELECT DISTINCT ON (d.bundle_id) d.*
    FROM (
      SELECT
        v.*,
        max(CASE WHEN v.source IN ('tombstone', 'not_owned') THEN v.observed_at ELSE coalesce(v.api_updated_at, v.observed_at) END)
          OVER (PARTITION BY v.bundle_id ORDER BY v.id) AS dated_at
      FROM "tokportal"."bundle_versions" v
    ) d
    WHERE d.dated_at <= bundles_as_of.at
    ORDER BY d.bundle_id, d.id DESC
  ) latest
  WHERE latest.source NOT IN ('tombstone', 'not_owned')
  ORDER BY bundle_id
$$;
--> statement-breakpoint

-- ==== What every table, view and column holds (\d+ in psql, or any BI tool's catalog) ====

COMMENT ON SCHEMA "tokportal" IS 'Mirror of a TokPortal workspace kept by tokportal-sync: bundles, their history, every account handle, the webhook inbox, and reporting views (docs/reporting.md).';
--> statement-breakpoint
COMMENT ON TABLE "tokportal"."bundles" IS 'Current state of every bundle ever seen, one row per bundle_id, as TokPortal''s API last answered it. Never deleted: a bundle TokPortal answers 404 for is tombstoned (deleted_at). Typed columns are copies of fields of raw.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."bundle_id" IS 'TokPortal''s bundle id (id in the API), stable across remakes.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."external_ref" IS 'Your own reference for the bundle (external_ref in the API), unique among live bundles; cleared here when a newer bundle took it over by PATCH.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."title" IS 'Title given at creation (title in the API).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."bundle_type" IS 'account_and_videos, account_only or videos_only (bundle_type in the API).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."platform" IS 'tiktok or instagram (platform in the API).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."country" IS 'Two-letter country of the account (country in the API).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."status" IS 'Bundle status as TokPortal reports it: draft, pending_setup, published, published_priority, accepted, in_review, finalized, completed, cancelled, archived (an open set: unknown values are stored as they come).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."account_status" IS 'Status of the bundle''s account (account_status in the API): pending, configured, in_review, pending_corrections, finalized, banned...; null when the bundle has no account slot.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."videos_quantity" IS 'Videos ordered (videos_quantity in the API).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."edits_quantity" IS 'Video edits ordered (edits_quantity in the API).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."used_edits" IS 'Video edits used so far (used_edits in the API).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."credit_cost" IS 'Price of the bundle in TokPortal credits (credit_cost in the API), whatever its status; what was actually spent is credits_spent in the views (0 once cancelled: TokPortal restores the credits).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."existing_account_id" IS 'For videos_only bundles: the saved account the videos go to (existing_account_id in the API).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."auto_finalize_videos" IS 'Videos are finalized without your review (auto_finalize_videos in the API).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."wants_niche_warming" IS 'Niche warming ordered (wants_niche_warming in the API).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."wants_deep_warming" IS 'Deep warming ordered (wants_deep_warming in the API).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."wants_moderation" IS 'Moderation ordered (wants_moderation in the API).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."is_published" IS 'Computed by TokPortal: the bundle has been published (is_published in the API).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."account_configured" IS 'Computed by TokPortal: the account setup is complete (account_configured in the API).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."videos_total" IS 'Computed by TokPortal: video slots of the bundle (videos_total in the API).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."videos_configured_count" IS 'Computed by TokPortal: video slots configured so far (videos_configured_count in the API).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."next_action" IS 'Computed by TokPortal: what it waits for from you (configure_account, configure_videos, publish_bundle), null when nothing.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."was_remade" IS 'The account was remade at least once (remade.was_remade in the API).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."remade_count" IS 'Remakes of the account so far (remade.remade_count in the API); only ever grows.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."old_username" IS 'Handle replaced by the latest remake (remade.old_username in the API); the whole chain is in bundle_accounts.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."remade_at" IS 'When TokPortal made the latest remake (remade.remade_at in the API), TokPortal''s clock.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."saved_account_id" IS 'Id of the real delivered account (saved_account_id in a detail); null until the account exists, changes on every remake. From GET /bundles/:id only: a list page never erases it.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."account_listing_id" IS 'Account listing id (account.id in a detail), the bundle''s account slot, stable across remakes. Detail only.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."username" IS 'Current handle of the account (account.username in a detail). Detail only: a remake seen in a list leaves the last handle a detail showed.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."visible_name" IS 'Display name of the account (account.visible_name in a detail). Detail only.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."biography" IS 'Biography of the account (account.biography in a detail). Detail only.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."profile_picture_url" IS 'Profile picture URL of the account (account.profile_picture_url in a detail). Detail only.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."raw" IS 'The whole API document as last merged (unknown fields kept); the typed columns are copies of its fields.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."content_hash" IS 'Hash of the content fields of raw (bookkeeping excluded): an identical answer changes nothing.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."api_created_at" IS 'When TokPortal created the bundle (created_at in the API), TokPortal''s clock.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."api_updated_at" IS 'TokPortal''s updated_at of the state held here; orders the states of a bundle (an older answer is stale and changes nothing).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."first_seen_at" IS 'When the mirror first stored the bundle (mirror clock).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."last_synced_at" IS 'When the mirror last applied an answer about the bundle, changed or not (mirror clock).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."detail_synced_at" IS 'When the mirror last applied a GET /bundles/:id answer (mirror clock); null if only ever listed.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."detail_updated_at" IS 'TokPortal''s updated_at of the last detail applied: the detail-only columns are that old (api_updated_at may be newer, from a list page).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."last_listed_at" IS 'When a list page (backfill, reconcile) last showed the bundle (mirror clock).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."deleted_at" IS 'When the API first answered 404 for the bundle (mirror clock): tombstoned, left out of the live views, history kept. Null while it exists.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."not_owned_at" IS 'When the API answered 403 BUNDLE_NOT_OWNED (the key lost access), mirror clock; null while readable.';
--> statement-breakpoint
COMMENT ON TABLE "tokportal"."bundle_videos" IS 'Video slots of each bundle as the latest GET /bundles/:id listed them; a slot TokPortal no longer lists is removed (its last state stays in bundle_versions.raw).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_videos"."bundle_id" IS 'The bundle (bundles.bundle_id).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_videos"."position" IS 'Slot number within the bundle, from 1 (position in the API).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_videos"."video_id" IS 'TokPortal''s id of the video in this slot.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_videos"."status" IS 'Video status: pending, configured, in_review, finalized, published... (an open set).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_videos"."name" IS 'Name of the video, when TokPortal gives one.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_videos"."raw" IS 'The video''s whole API document.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_videos"."first_seen_at" IS 'When the mirror first stored this slot (mirror clock).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_videos"."last_seen_at" IS 'When a detail last showed this slot (mirror clock).';
--> statement-breakpoint
COMMENT ON TABLE "tokportal"."bundle_accounts" IS 'One row per account incarnation of a bundle: a remake closes the open row (replaced_at) and opens the next, so every handle a bundle ever had survives. Read it through the view account_timeline.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_accounts"."id" IS 'Row id (identity), no meaning beyond this table.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_accounts"."bundle_id" IS 'The bundle (bundles.bundle_id).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_accounts"."incarnation" IS '1 for the first account known, +1 for each later one the mirror knows of (remakes nobody saw are counted in unseen_before, not numbered).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_accounts"."remade_count" IS 'TokPortal''s remade_count when this incarnation was recorded (for an old_username row: the count right before the remake that replaced it).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_accounts"."account_listing_id" IS 'Account listing id (account.id in a detail); null for old_username rows.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_accounts"."saved_account_id" IS 'The delivered account''s id; null before delivery and for old_username rows.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_accounts"."username" IS 'The handle of this incarnation.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_accounts"."unseen_before" IS 'Remakes TokPortal made between the previous known incarnation and this one that the mirror never saw (their handles are unknowable).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_accounts"."evidence" IS 'How the mirror knows the handle: observed (seen in a detail) or old_username (only named by a later remake as remade.old_username).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_accounts"."first_seen_at" IS 'When the mirror recorded this incarnation (mirror clock): for observed rows when it was first seen, for old_username rows when the remake naming it was seen (after it was replaced).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_accounts"."last_seen_at" IS 'When a detail last showed this incarnation (mirror clock).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_accounts"."replaced_at" IS 'TokPortal''s remade_at of the remake that ended this incarnation (when several remakes were missed, the latest one: an upper bound); null for the current one.';
--> statement-breakpoint
COMMENT ON TABLE "tokportal"."bundle_versions" IS 'Append-only history: one row per observed change of a bundle (never for an identical answer), with the state after it and what caused it. Versions of one bundle are in apply order by id.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_versions"."id" IS 'Row id (identity); in apply order for one bundle (not across bundles: the change feed''s cursor is, see changes).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_versions"."bundle_id" IS 'The bundle (bundles.bundle_id).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_versions"."observed_at" IS 'When the answer was observed (mirror clock; for a webhook-driven refetch, when the fetch ran).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_versions"."source" IS 'What caused the observation: webhook, backfill, reconcile, replay, manual; or tombstone (404) / not_owned (403).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_versions"."source_ref" IS 'The webhook event id, backfill or reconcile run id behind the observation.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_versions"."content_hash" IS 'Hash of the content after the change (bundles.content_hash).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_versions"."changed_fields" IS 'Content fields that changed (column names such as status, username, remade_count); empty for a bundle''s first version.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_versions"."status" IS 'Bundle status after the change.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_versions"."account_status" IS 'Account status after the change.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_versions"."username" IS 'Handle after the change (from the last detail).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_versions"."saved_account_id" IS 'Delivered account id after the change (from the last detail).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_versions"."external_ref" IS 'external_ref after the change.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_versions"."remade_count" IS 'remade_count after the change.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_versions"."api_updated_at" IS 'TokPortal''s updated_at of the state recorded: when the change happened at TokPortal (at the latest).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundle_versions"."raw" IS 'The whole API document after the change.';
--> statement-breakpoint
COMMENT ON TABLE "tokportal"."webhook_events" IS 'The webhook inbox: every delivery accepted (duplicates stored once) or rejected with a valid signature, and what became of it.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."webhook_events"."event_id" IS 'TokPortal-Event-Id: the same on every retry of one event (the idempotency key).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."webhook_events"."type" IS 'Event type, e.g. account.remade (unknown types are stored and acknowledged).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."webhook_events"."api_version" IS 'api_version of the event envelope.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."webhook_events"."bundle_id" IS 'data.bundle_id of the event, when it names a bundle.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."webhook_events"."account_id" IS 'data.account_id (account listing id) of account events.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."webhook_events"."saved_account_id" IS 'data.saved_account_id of account events (null before in_review).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."webhook_events"."payload" IS 'The event envelope as received (JSON).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."webhook_events"."raw_body" IS 'The body as received, kept only for rejected deliveries.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."webhook_events"."status" IS 'received, enqueued (a sync job exists), processed (a fetch that started after it was applied), ignored (unknown type), not_applicable (no bundle to sync), rejected.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."webhook_events"."status_reason" IS 'Why an event was ignored, not applicable or rejected.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."webhook_events"."event_created_at" IS 'created_at of the event envelope (TokPortal''s clock).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."webhook_events"."received_at" IS 'When the receiver first stored the event (mirror clock).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."webhook_events"."enqueued_at" IS 'When its sync job was queued (mirror clock).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."webhook_events"."processed_at" IS 'When the worker applied a fetch that started after the event arrived (mirror clock).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."webhook_events"."deliveries" IS 'How many times TokPortal delivered the event (retries and duplicates included).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."webhook_events"."attempts" IS 'Sync attempts made for the event.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."webhook_events"."last_error" IS 'Error of the last failed sync attempt.';
--> statement-breakpoint
COMMENT ON TABLE "tokportal"."sync_runs" IS 'Backfill and reconcile runs (paging through GET /bundles), so an interrupted run resumes where it stopped.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_runs"."id" IS 'Run id (run_...), also bundle_versions.source_ref of what the run observed.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_runs"."kind" IS 'backfill or reconcile.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_runs"."status" IS 'running, completed, failed or interrupted.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_runs"."params" IS 'Filters and options the run started with (a resume needs the same).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_runs"."next_page" IS 'Next list page to fetch (1-based).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_runs"."total_pages" IS 'Pages the listing had at the last page fetched.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_runs"."stats" IS 'Counters of the run (pages, listed, created, changed, details enqueued...).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_runs"."started_at" IS 'When the run started (mirror clock).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_runs"."updated_at" IS 'When the run last recorded progress (mirror clock).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_runs"."finished_at" IS 'When the run ended (mirror clock); null while running.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_runs"."last_error" IS 'Why the run failed or was interrupted.';
--> statement-breakpoint
COMMENT ON VIEW "tokportal"."current_bundles" IS 'One row per live bundle with the handle of its open account incarnation. Order: api_updated_at DESC, bundle_id.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."bundle_id" IS 'TokPortal''s bundle id.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."external_ref" IS 'Your reference for the bundle.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."title" IS 'Title of the bundle.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."bundle_type" IS 'account_and_videos, account_only or videos_only.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."platform" IS 'tiktok or instagram.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."country" IS 'Country of the account.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."status" IS 'Bundle status now.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."account_status" IS 'Account status now.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."next_action" IS 'What TokPortal waits for from you, null when nothing.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."current_username" IS 'Handle of the open incarnation: null before a detail named the account, and between a remake seen in a list and the next detail.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."current_saved_account_id" IS 'Delivered account id of the open incarnation.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."handle_seen_since" IS 'When the mirror recorded the open incarnation (mirror clock).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."remade_count" IS 'Remakes so far (TokPortal''s count).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."known_handles" IS 'Account incarnations the mirror holds for the bundle.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."credit_cost" IS 'Price of the bundle in credits, whatever its status.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."credits_spent" IS 'Credits spent on the bundle: credit_cost, 0 once cancelled (TokPortal restores them).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."videos_total" IS 'Video slots.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."videos_configured_count" IS 'Video slots configured.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."is_published" IS 'Published (TokPortal''s flag).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."not_owned" IS 'The API key lost access to the bundle (403 BUNDLE_NOT_OWNED): the row is its last readable state.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."api_created_at" IS 'When TokPortal created the bundle.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."api_updated_at" IS 'TokPortal''s updated_at of the state shown.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."last_synced_at" IS 'When the mirror last applied an answer about it (mirror clock).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."current_bundles"."detail_synced_at" IS 'When the mirror last applied a detail (mirror clock).';
--> statement-breakpoint
COMMENT ON VIEW "tokportal"."account_timeline" IS 'Every handle every bundle ever had (tombstoned bundles included), in order; no derived duration is negative. Order: bundle_id, incarnation.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."bundle_id" IS 'The bundle.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."external_ref" IS 'Your reference for the bundle (now).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."platform" IS 'tiktok or instagram.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."country" IS 'Country of the account.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."incarnation" IS '1, 2, ...: position of the handle in the bundle''s chain as the mirror knows it.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."username" IS 'The handle.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."previous_username" IS 'Handle of the incarnation before (null for the first).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."next_username" IS 'Handle of the incarnation after (null for the last).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."saved_account_id" IS 'Delivered account id of this incarnation (null for old_username rows).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."account_listing_id" IS 'Account listing id (null for old_username rows).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."remade_count" IS 'TokPortal''s remade_count when this incarnation was recorded.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."evidence" IS 'observed (seen in a detail) or old_username (only named by a later remake).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."unseen_before" IS 'Remakes between the previous row and this one that nobody saw.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."known_from" IS 'Earliest instant the handle is known to have existed: when first seen, or (old_username rows, never seen) when it was replaced. Never after replaced_at.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."replaced_at" IS 'TokPortal''s remade_at of the remake that ended it (latest remake when several were missed: an upper bound); null for the current handle.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."known_for" IS 'replaced_at - known_from: how long the handle is known to have lived (a lower bound), never negative; null while current.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."observed_from" IS 'When the mirror first saw the handle in a detail (mirror clock); null for old_username rows.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."observed_until" IS 'When a detail last showed the handle (mirror clock), never before observed_from; null for old_username rows.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."is_current" IS 'The open incarnation (not replaced).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."account_timeline"."bundle_deleted" IS 'The bundle is tombstoned (404 on TokPortal).';
--> statement-breakpoint
COMMENT ON VIEW "tokportal"."remakes" IS 'Live bundles remade at least once (or whose account changed without the count saying so), with the chain of handles held. Order: remade_count DESC, bundle_id.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."remakes"."bundle_id" IS 'The bundle.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."remakes"."external_ref" IS 'Your reference for the bundle.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."remakes"."platform" IS 'tiktok or instagram.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."remakes"."country" IS 'Country of the account.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."remakes"."status" IS 'Bundle status now.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."remakes"."remade_count" IS 'Remakes so far (TokPortal''s count).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."remakes"."known_handles" IS 'Handles the mirror holds for the bundle.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."remakes"."handles_missing" IS 'Handles the count implies (remade_count + 1) that the mirror does not hold: remakes nobody saw, or a new handle no detail has shown yet.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."remakes"."handles" IS 'The chain of handles held, oldest first (? for an incarnation without a handle).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."remakes"."old_username" IS 'Handle replaced by the latest remake (TokPortal''s remade.old_username).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."remakes"."last_remade_at" IS 'When TokPortal made the latest remake.';
--> statement-breakpoint
COMMENT ON VIEW "tokportal"."remakes_by_market" IS 'How often accounts get remade, per platform and country (live bundles). Order: remakes DESC, platform, country.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."remakes_by_market"."platform" IS 'tiktok or instagram.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."remakes_by_market"."country" IS 'Country of the accounts.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."remakes_by_market"."bundles" IS 'Live bundles of the market.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."remakes_by_market"."remade_bundles" IS 'Those remade at least once.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."remakes_by_market"."remakes" IS 'Remakes in all (sum of remade_count).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."remakes_by_market"."remade_pct" IS 'remade_bundles / bundles, percent, one decimal.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."remakes_by_market"."last_remade_at" IS 'Latest remake in the market (TokPortal''s remade_at).';
--> statement-breakpoint
COMMENT ON VIEW "tokportal"."campaign_summary" IS 'Where each campaign stands: a campaign is external_ref without its last segment (campaign-12-007 -> campaign-12; separators - _ : / # .); a ref without one is its own campaign; bundles without a ref form the row with a null campaign. Live bundles. Order: campaign NULLS LAST.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."campaign_summary"."campaign" IS 'Campaign name derived from external_ref; null for bundles without a ref.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."campaign_summary"."bundles" IS 'Live bundles of the campaign (= completed + in_progress + cancelled_or_archived).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."campaign_summary"."completed" IS 'Bundles with status completed.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."campaign_summary"."cancelled_or_archived" IS 'Bundles cancelled or archived.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."campaign_summary"."in_progress" IS 'The other bundles.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."campaign_summary"."accounts_delivered" IS 'Bundles whose account exists (a saved_account_id).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."campaign_summary"."remakes" IS 'Remakes in all (sum of remade_count).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."campaign_summary"."credits_spent" IS 'Credits spent: credit_cost of the bundles not cancelled.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."campaign_summary"."credits_restored" IS 'credit_cost of the cancelled bundles (TokPortal gave them back).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."campaign_summary"."videos_total" IS 'Video slots in all.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."campaign_summary"."videos_configured" IS 'Video slots configured.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."campaign_summary"."first_ref" IS 'Smallest external_ref of the campaign.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."campaign_summary"."last_ref" IS 'Largest external_ref of the campaign.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."campaign_summary"."first_created_at" IS 'When TokPortal created its first bundle.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."campaign_summary"."last_updated_at" IS 'Latest TokPortal updated_at among its bundles.';
--> statement-breakpoint
COMMENT ON VIEW "tokportal"."credit_spend" IS 'Credits by month of creation (UTC), platform and country, live bundles. Order: month DESC, credits_spent DESC, platform, country.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."credit_spend"."month" IS 'First day of the month (UTC) the bundles were created in.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."credit_spend"."platform" IS 'tiktok or instagram.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."credit_spend"."country" IS 'Country of the accounts.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."credit_spend"."bundles" IS 'Bundles created that month in the market, cancelled ones included.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."credit_spend"."credits_spent" IS 'Credits spent: credit_cost of the bundles not cancelled.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."credit_spend"."credits_restored" IS 'credit_cost of the cancelled bundles (TokPortal gave them back).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."credit_spend"."credits_published" IS 'The part of credits_spent whose bundles are published.';
--> statement-breakpoint
COMMENT ON VIEW "tokportal"."pipeline" IS 'Live bundles by status and TokPortal''s next_action: where work stands and what waits on you. Order: bundles DESC, status, next_action NULLS FIRST.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."pipeline"."status" IS 'Bundle status.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."pipeline"."next_action" IS 'What TokPortal waits for from you (configure_account, configure_videos, publish_bundle), null when nothing.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."pipeline"."bundles" IS 'Live bundles in the group.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."pipeline"."credits_spent" IS 'Credits spent on them (0 for cancelled bundles).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."pipeline"."oldest_update" IS 'Oldest TokPortal updated_at of the group.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."pipeline"."max_days_idle" IS 'Days from oldest_update to now, one decimal: stuck work.';
--> statement-breakpoint
COMMENT ON VIEW "tokportal"."sync_lag" IS 'For each inbox event that concerns a bundle, how long until the mirror had the change (mirror clock). Order: received_at DESC, event_id.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_lag"."event_id" IS 'The webhook event.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_lag"."type" IS 'Event type.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_lag"."bundle_id" IS 'The bundle it concerns.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_lag"."status" IS 'Inbox status: received, enqueued or processed.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_lag"."received_at" IS 'When the receiver stored the event.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_lag"."synced_at" IS 'When the worker marked it processed, or else the bundle''s first sync after it arrived (a reconcile can cover it); null while pending.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_lag"."lag_seconds" IS 'synced_at - received_at, seconds.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_lag"."pending" IS 'Not covered by a sync yet.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_lag"."waiting_seconds" IS 'For pending events, seconds since received_at.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_lag"."attempts" IS 'Sync attempts made for the event.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_lag"."last_error" IS 'Error of the last failed attempt.';
--> statement-breakpoint
COMMENT ON VIEW "tokportal"."sync_lag_summary" IS 'Sync lag percentiles per event type (from sync_lag). Order: events DESC, type.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_lag_summary"."type" IS 'Event type.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_lag_summary"."events" IS 'Events of the type.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_lag_summary"."pending" IS 'Those not covered by a sync yet.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_lag_summary"."p50_seconds" IS 'Median lag, seconds.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_lag_summary"."p95_seconds" IS '95th percentile lag, seconds.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_lag_summary"."max_seconds" IS 'Largest lag, seconds.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_lag_summary"."oldest_pending_seconds" IS 'Seconds the oldest pending event has waited.';
--> statement-breakpoint
COMMENT ON VIEW "tokportal"."status_durations" IS 'Each stretch of time a bundle spent in one status (field = status) or its account in one account status (field = account_status), by TokPortal''s updated_at of the versions recorded; statuses nobody saw between two looks are absent. Order: bundle_id, field DESC, entered_at, version_id.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."status_durations"."bundle_id" IS 'The bundle.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."status_durations"."external_ref" IS 'Your reference for the bundle (now).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."status_durations"."platform" IS 'tiktok or instagram.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."status_durations"."country" IS 'Country of the account.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."status_durations"."bundle_type" IS 'account_and_videos, account_only or videos_only.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."status_durations"."field" IS 'status (the bundle''s) or account_status.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."status_durations"."status" IS 'The value held during the stretch.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."status_durations"."entered_at" IS 'TokPortal''s updated_at of the first version showing it (exact when entry_observed, else an upper bound).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."status_durations"."left_at" IS 'TokPortal''s updated_at of the first version showing another value (or when the mirror saw the bundle deleted or lost access); null while held.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."status_durations"."duration" IS 'left_at - entered_at, never negative; null while held.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."status_durations"."hours" IS 'duration in hours, three decimals.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."status_durations"."entry_observed" IS 'The mirror saw the value begin (or the bundle was created with it); false: already held at the mirror''s first look.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."status_durations"."version_id" IS 'The bundle_versions row that began the stretch.';
--> statement-breakpoint
COMMENT ON VIEW "tokportal"."delivery_intervals" IS 'One row per measured TokPortal service interval whose both ends the mirror saw: publish_to_account_review (bundle published -> account in_review), account_review_to_finalized (account in_review -> finalized), remake_to_finalized (remade_at -> the new account shown finalized). Order: finished_at, bundle_id, step.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_intervals"."bundle_id" IS 'The bundle.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_intervals"."external_ref" IS 'Your reference for the bundle (now).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_intervals"."platform" IS 'tiktok or instagram.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_intervals"."country" IS 'Country of the account.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_intervals"."bundle_type" IS 'account_and_videos, account_only or videos_only.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_intervals"."step" IS 'publish_to_account_review, account_review_to_finalized or remake_to_finalized.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_intervals"."started_at" IS 'When the step began (TokPortal''s clock).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_intervals"."finished_at" IS 'When it ended (TokPortal''s clock).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_intervals"."duration" IS 'finished_at - started_at.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_intervals"."hours" IS 'duration in hours, three decimals.';
--> statement-breakpoint
COMMENT ON VIEW "tokportal"."delivery_times" IS 'TokPortal''s service times per month the interval finished in (UTC), step, country, platform and bundle type, from delivery_intervals. Percentiles do not add up across rows: regroup delivery_intervals instead. Order: month DESC, step, country, platform, bundle_type.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_times"."month" IS 'First day of the month (UTC) the intervals finished in.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_times"."step" IS 'publish_to_account_review, account_review_to_finalized or remake_to_finalized.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_times"."country" IS 'Country of the accounts.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_times"."platform" IS 'tiktok or instagram.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_times"."bundle_type" IS 'account_and_videos, account_only or videos_only.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_times"."measured" IS 'Intervals measured.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_times"."median" IS 'Median duration (interval).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_times"."p90" IS '90th percentile duration (interval).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_times"."median_hours" IS 'Median in hours, two decimals.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."delivery_times"."p90_hours" IS '90th percentile in hours, two decimals.';
--> statement-breakpoint
COMMENT ON VIEW "tokportal"."status_daily" IS 'For each day (UTC) from the first recorded state to today, how many bundles were in each status at the end of the day (TokPortal''s clock); a bundle counts from its first recorded state until the mirror saw it deleted; statuses held by nobody are left out. Order: day DESC, status.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."status_daily"."day" IS 'The day (UTC).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."status_daily"."status" IS 'Bundle status.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."status_daily"."bundles" IS 'Bundles in that status at the end of the day (midnight UTC after it).';
--> statement-breakpoint
COMMENT ON FUNCTION "tokportal"."bundles_as_of"(timestamptz) IS 'Every bundle as the mirror knew it at the given instant, by TokPortal''s time: the latest recorded version dated at or before it (dated_at); bundles not recorded yet, or seen deleted by then, are absent. Order: bundle_id.';
