CREATE TABLE "tokportal"."changes" (
	"cursor" bigint PRIMARY KEY NOT NULL,
	"version_id" bigint NOT NULL,
	"bundle_id" text NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tokportal"."changes" ADD CONSTRAINT "changes_version_id_bundle_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "tokportal"."bundle_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "changes_version_id_key" ON "tokportal"."changes" USING btree ("version_id");--> statement-breakpoint

-- The cursor is not bundle_versions.id: an identity is taken at INSERT, so two concurrent
-- transactions can commit ids out of order and a consumer reading `id > last` would skip the
-- smaller id committed late. Here a deferred trigger numbers each version at COMMIT, after taking
-- a transaction-level advisory lock that is released only once the commit is visible: cursors
-- are handed out in commit order, and whoever sees cursor N already sees every cursor below it.
-- The lock is held only from the trigger to the end of the commit (no other lock is taken after
-- it, so it cannot deadlock). Cursors of a transaction that fails at commit leave gaps, never
-- reorderings. NOTIFY tokportal_changes carries each cursor, delivered when the commit is.
CREATE SEQUENCE "tokportal"."changes_cursor_seq" AS bigint OWNED BY "tokportal"."changes"."cursor";
--> statement-breakpoint
CREATE FUNCTION "tokportal"."record_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  next_cursor bigint;
BEGIN
  -- 727003: the change feed's lock (727001 is the migration lock); fixed forever.
  PERFORM pg_advisory_xact_lock(727003);
  next_cursor := nextval('"tokportal"."changes_cursor_seq"');
  INSERT INTO "tokportal"."changes" ("cursor", "version_id", "bundle_id", "recorded_at")
  VALUES (next_cursor, NEW.id, NEW.bundle_id, clock_timestamp());
  PERFORM pg_notify('tokportal_changes', next_cursor::text);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "bundle_versions_record_change"
AFTER INSERT ON "tokportal"."bundle_versions"
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION "tokportal"."record_change"();
--> statement-breakpoint
-- The history recorded before the feed existed, in id order (no transaction is running a
-- migration's writes concurrently with this one: migrations hold their own lock).
INSERT INTO "tokportal"."changes" ("cursor", "version_id", "bundle_id", "recorded_at")
SELECT nextval('"tokportal"."changes_cursor_seq"'), id, bundle_id, observed_at
FROM (SELECT id, bundle_id, observed_at FROM "tokportal"."bundle_versions" ORDER BY id) v;
--> statement-breakpoint
CREATE VIEW "tokportal"."change_feed" AS
SELECT
  c.cursor,
  c.recorded_at,
  v.bundle_id,
  v.source,
  v.source_ref,
  v.changed_fields,
  v.status,
  v.account_status,
  v.username,
  v.external_ref,
  v.remade_count,
  v.api_updated_at,
  v.observed_at,
  v.id AS version_id
FROM "tokportal"."changes" c
JOIN "tokportal"."bundle_versions" v ON v.id = c.version_id
ORDER BY c.cursor;
--> statement-breakpoint
COMMENT ON TABLE "tokportal"."changes" IS 'The change feed: every bundle_versions row, numbered in commit order (cursor). Read changes with cursor > your last one, in cursor order: nothing is skipped or repeated. Each commit sends NOTIFY tokportal_changes with each cursor. Read it through the view change_feed.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."changes"."cursor" IS 'Position in the feed: increases with commit order, never reused (gaps possible, order never broken).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."changes"."version_id" IS 'The change (bundle_versions.id).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."changes"."bundle_id" IS 'The bundle that changed.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."changes"."recorded_at" IS 'When the cursor was assigned, just before the commit (mirror clock); for history older than the feed, the version''s observed_at.';
--> statement-breakpoint
COMMENT ON VIEW "tokportal"."change_feed" IS 'The change feed with what changed: one row per committed change of a bundle. Consume with WHERE cursor > <last cursor> ORDER BY cursor; LISTEN tokportal_changes to be woken. Order: cursor.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."change_feed"."cursor" IS 'Position in the feed (commit order).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."change_feed"."recorded_at" IS 'When the change was committed (mirror clock).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."change_feed"."bundle_id" IS 'The bundle that changed.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."change_feed"."source" IS 'What caused it: webhook, backfill, reconcile, replay, manual, tombstone, not_owned.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."change_feed"."source_ref" IS 'The webhook event or run behind it.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."change_feed"."changed_fields" IS 'Fields that changed (empty for a bundle''s first version).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."change_feed"."status" IS 'Bundle status after the change.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."change_feed"."account_status" IS 'Account status after the change.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."change_feed"."username" IS 'Handle after the change.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."change_feed"."external_ref" IS 'external_ref after the change.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."change_feed"."remade_count" IS 'remade_count after the change.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."change_feed"."api_updated_at" IS 'TokPortal''s updated_at of the new state.';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."change_feed"."observed_at" IS 'When the mirror observed it (mirror clock).';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."change_feed"."version_id" IS 'The bundle_versions row with the whole document (raw).';
