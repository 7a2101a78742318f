ALTER TABLE "tokportal"."bundles" ADD COLUMN "detail_updated_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "bundles_country_idx" ON "tokportal"."bundles" USING btree ("country");