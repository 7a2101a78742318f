CREATE TABLE "tokportal"."sync_run_listings" (
	"run_id" text NOT NULL,
	"pass" integer NOT NULL,
	"bundle_id" text NOT NULL,
	"times_listed" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "sync_run_listings_run_id_pass_bundle_id_pk" PRIMARY KEY("run_id","pass","bundle_id")
);
--> statement-breakpoint
ALTER TABLE "tokportal"."bundles" ADD COLUMN "observed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tokportal"."bundles" ADD COLUMN "detail_observed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tokportal"."bundles" ADD COLUMN "verified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tokportal"."sync_runs" ADD COLUMN "pass" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "tokportal"."sync_run_listings" ADD CONSTRAINT "sync_run_listings_run_id_sync_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "tokportal"."sync_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bundles_verification_idx" ON "tokportal"."bundles" USING btree ("verified_at" NULLS FIRST) WHERE "tokportal"."bundles"."deleted_at" is null and "tokportal"."bundles"."not_owned_at" is null;
--> statement-breakpoint
-- A bundle mirrored before this migration was last compared with the API by its last detail fetch.
UPDATE "tokportal"."bundles" SET "verified_at" = "detail_synced_at" WHERE "verified_at" IS NULL;--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."observed_at" IS 'When the request behind the state this row holds was sent (database clock); orders two answers with the same updated_at';--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."detail_observed_at" IS 'When the request behind the last detail applied was sent (database clock); a list item cannot make a detail observed after it stale';--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."bundles"."verified_at" IS 'Last time a detail (GET /bundles/:id) of this bundle was read and compared with the row; rolling verification re-reads the oldest first';--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_runs"."pass" IS 'Listing pass of the run; a run walks passes until one is proven complete by the next';--> statement-breakpoint
COMMENT ON TABLE "tokportal"."sync_run_listings" IS 'Bundles each listing pass of a backfill or reconcile run showed, and how many times; compared pass with pass, deleted when the run ends';
--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_run_listings"."run_id" IS 'The backfill or reconcile run (sync_runs.id) whose pass listed the bundle';--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_run_listings"."pass" IS 'The listing pass of the run (1, 2, ...)';--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_run_listings"."bundle_id" IS 'A bundle the pass listed (bookkeeping of the walk, deleted with the run: no foreign key to bundles)';--> statement-breakpoint
COMMENT ON COLUMN "tokportal"."sync_run_listings"."times_listed" IS 'How many pages of the pass showed the bundle: more than 1 means the list shifted under the walk';
