CREATE SCHEMA "tokportal";
--> statement-breakpoint
CREATE TABLE "tokportal"."bundle_accounts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "tokportal"."bundle_accounts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"bundle_id" text NOT NULL,
	"incarnation" integer NOT NULL,
	"remade_count" integer,
	"account_listing_id" text,
	"saved_account_id" text,
	"username" text,
	"unseen_before" integer DEFAULT 0 NOT NULL,
	"evidence" text DEFAULT 'observed' NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"replaced_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "tokportal"."bundle_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "tokportal"."bundle_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"bundle_id" text NOT NULL,
	"observed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"source" text NOT NULL,
	"source_ref" text,
	"content_hash" text NOT NULL,
	"changed_fields" text[] DEFAULT '{}'::text[] NOT NULL,
	"status" text,
	"account_status" text,
	"username" text,
	"saved_account_id" text,
	"external_ref" text,
	"remade_count" integer,
	"api_updated_at" timestamp with time zone,
	"raw" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tokportal"."bundle_videos" (
	"bundle_id" text NOT NULL,
	"position" integer NOT NULL,
	"video_id" text NOT NULL,
	"status" text NOT NULL,
	"name" text,
	"raw" jsonb NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bundle_videos_bundle_id_position_pk" PRIMARY KEY("bundle_id","position")
);
--> statement-breakpoint
CREATE TABLE "tokportal"."bundles" (
	"bundle_id" text PRIMARY KEY NOT NULL,
	"external_ref" text,
	"title" text,
	"bundle_type" text,
	"platform" text,
	"country" text,
	"status" text NOT NULL,
	"account_status" text,
	"videos_quantity" integer,
	"edits_quantity" integer,
	"used_edits" integer,
	"credit_cost" integer,
	"existing_account_id" text,
	"auto_finalize_videos" boolean,
	"wants_niche_warming" boolean,
	"wants_deep_warming" boolean,
	"wants_moderation" boolean,
	"is_published" boolean,
	"account_configured" boolean,
	"videos_total" integer,
	"videos_configured_count" integer,
	"next_action" text,
	"was_remade" boolean DEFAULT false NOT NULL,
	"remade_count" integer DEFAULT 0 NOT NULL,
	"old_username" text,
	"remade_at" timestamp with time zone,
	"saved_account_id" text,
	"account_listing_id" text,
	"username" text,
	"visible_name" text,
	"biography" text,
	"profile_picture_url" text,
	"raw" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"api_created_at" timestamp with time zone,
	"api_updated_at" timestamp with time zone NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"detail_synced_at" timestamp with time zone,
	"last_listed_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"not_owned_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "tokportal"."sync_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"params" jsonb NOT NULL,
	"next_page" integer DEFAULT 1 NOT NULL,
	"total_pages" integer,
	"stats" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "tokportal"."webhook_events" (
	"event_id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"api_version" text,
	"bundle_id" text,
	"account_id" text,
	"saved_account_id" text,
	"payload" jsonb,
	"raw_body" text,
	"status" text DEFAULT 'received' NOT NULL,
	"status_reason" text,
	"event_created_at" timestamp with time zone,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"enqueued_at" timestamp with time zone,
	"processed_at" timestamp with time zone,
	"deliveries" integer DEFAULT 1 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
ALTER TABLE "tokportal"."bundle_accounts" ADD CONSTRAINT "bundle_accounts_bundle_id_bundles_bundle_id_fk" FOREIGN KEY ("bundle_id") REFERENCES "tokportal"."bundles"("bundle_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tokportal"."bundle_versions" ADD CONSTRAINT "bundle_versions_bundle_id_bundles_bundle_id_fk" FOREIGN KEY ("bundle_id") REFERENCES "tokportal"."bundles"("bundle_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tokportal"."bundle_videos" ADD CONSTRAINT "bundle_videos_bundle_id_bundles_bundle_id_fk" FOREIGN KEY ("bundle_id") REFERENCES "tokportal"."bundles"("bundle_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "bundle_accounts_incarnation_key" ON "tokportal"."bundle_accounts" USING btree ("bundle_id","incarnation");--> statement-breakpoint
CREATE UNIQUE INDEX "bundle_accounts_open_key" ON "tokportal"."bundle_accounts" USING btree ("bundle_id") WHERE "tokportal"."bundle_accounts"."replaced_at" is null;--> statement-breakpoint
CREATE INDEX "bundle_accounts_username_idx" ON "tokportal"."bundle_accounts" USING btree ("username");--> statement-breakpoint
CREATE INDEX "bundle_accounts_saved_account_id_idx" ON "tokportal"."bundle_accounts" USING btree ("saved_account_id");--> statement-breakpoint
CREATE INDEX "bundle_versions_bundle_observed_idx" ON "tokportal"."bundle_versions" USING btree ("bundle_id","observed_at");--> statement-breakpoint
CREATE INDEX "bundle_videos_status_idx" ON "tokportal"."bundle_videos" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "bundles_external_ref_key" ON "tokportal"."bundles" USING btree ("external_ref") WHERE "tokportal"."bundles"."external_ref" is not null;--> statement-breakpoint
CREATE INDEX "bundles_status_idx" ON "tokportal"."bundles" USING btree ("status");--> statement-breakpoint
CREATE INDEX "bundles_account_status_idx" ON "tokportal"."bundles" USING btree ("account_status");--> statement-breakpoint
CREATE INDEX "bundles_platform_country_idx" ON "tokportal"."bundles" USING btree ("platform","country");--> statement-breakpoint
CREATE INDEX "bundles_saved_account_id_idx" ON "tokportal"."bundles" USING btree ("saved_account_id");--> statement-breakpoint
CREATE INDEX "bundles_account_listing_id_idx" ON "tokportal"."bundles" USING btree ("account_listing_id");--> statement-breakpoint
CREATE INDEX "bundles_username_idx" ON "tokportal"."bundles" USING btree ("username");--> statement-breakpoint
CREATE INDEX "bundles_api_updated_at_idx" ON "tokportal"."bundles" USING btree ("api_updated_at");--> statement-breakpoint
CREATE INDEX "sync_runs_kind_status_idx" ON "tokportal"."sync_runs" USING btree ("kind","status","started_at");--> statement-breakpoint
CREATE INDEX "webhook_events_bundle_idx" ON "tokportal"."webhook_events" USING btree ("bundle_id","received_at");--> statement-breakpoint
CREATE INDEX "webhook_events_pending_idx" ON "tokportal"."webhook_events" USING btree ("received_at") WHERE "tokportal"."webhook_events"."enqueued_at" is null and "tokportal"."webhook_events"."status" = 'received';--> statement-breakpoint
CREATE INDEX "webhook_events_type_idx" ON "tokportal"."webhook_events" USING btree ("type","received_at");