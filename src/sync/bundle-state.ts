// What the mirror holds of a bundle, in the core's own terms. The storage layer (src/db/)
// maps its rows to and from these types; the core never sees a table.
import type { BundleColumns, RawBundle } from './bundle-content.js';
import type { ObservationSource } from './observation.js';

/**
 * One bundle as the mirror holds it: the typed columns derived from the merged raw document,
 * that document and its content hash, and the bookkeeping times of the sync.
 */
export type BundleState = BundleColumns & {
  raw: RawBundle;
  contentHash: string;
  firstSeenAt: Date;
  lastSyncedAt: Date;
  detailSyncedAt: Date | null;
  /** TokPortal's updated_at of the last detail applied: list observations move apiUpdatedAt, not this. */
  detailUpdatedAt: Date | null;
  /** Last time a list page showed the bundle (reconcile's evidence that it still exists). */
  lastListedAt: Date | null;
  /**
   * When the request behind the state held was sent (database clock): orders two answers with the
   * same updated_at (staleness.ts). Null for bundles mirrored before it was kept.
   */
  observedAt: Date | null;
  /** The same for the last detail applied: a list item cannot make a detail sent after it stale. */
  detailObservedAt: Date | null;
  /** Last time a detail was read and compared with the state (rolling verification picks the oldest). */
  verifiedAt: Date | null;
  /** The API answered 404 (kept, never deleted). */
  deletedAt: Date | null;
  /** The API answered 403 BUNDLE_NOT_OWNED. */
  notOwnedAt: Date | null;
};

/** What caused a recorded change: where the observation came from, or the bundle's loss (404, 403). */
export type VersionSource = ObservationSource['source'] | 'tombstone' | 'not_owned';

/** One entry of a bundle's append-only history: the state after a change, and what caused it. */
export type VersionRecord = {
  bundleId: string;
  observedAt: Date;
  source: VersionSource;
  /** The webhook event id, run id, ... that caused the observation. */
  sourceRef: string | null;
  contentHash: string;
  /** Content fields that changed (column names); empty when the bundle was first seen. */
  changedFields: string[];
  status: string;
  accountStatus: string | null;
  username: string | null;
  savedAccountId: string | null;
  externalRef: string | null;
  remadeCount: number;
  apiUpdatedAt: Date;
  raw: RawBundle;
};
