// What the sync layer is given: one bundle as an API answer said it, and why we looked.
import type { BundleDetail, BundleListItem } from '../tokportal/schemas.js';

/** A detail (GET /bundles/:id) carries account and videos; a list item (GET /bundles) does not. */
export type Observation = { kind: 'detail'; bundle: BundleDetail } | { kind: 'list'; bundle: BundleListItem };

/** Why a bundle was looked at: what asked for the fetch or the listing. Lands in bundle_versions.source. */
export type SyncReason = 'webhook' | 'backfill' | 'reconcile' | 'replay' | 'manual' | 'verify' | 'audit';

export type ObservationSource = {
  source: SyncReason;
  /** The webhook event id, run id, ... that caused the observation (lands in bundle_versions.source_ref). */
  sourceRef?: string | null;
  /** When the API answered; defaults to the time of the apply. */
  observedAt?: Date;
};
