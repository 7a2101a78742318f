// Decides everything one observation does to the mirror, from the stored state alone, so the
// repository only has to execute the plan inside its transaction.
import {
  changedFields,
  columnsFromRaw,
  contentHash,
  contentOf,
  mergeObservation,
  videoSlotsOf,
  type RawBundle,
  type VideoSlot,
} from './bundle-content.js';
import {
  planIncarnationsForDetail,
  planIncarnationsForList,
  type IncarnationOp,
  type KnownIncarnation,
} from './incarnations.js';
import type { BundleState, VersionRecord, VersionSource } from './bundle-state.js';
import type { Observation, SyncReason } from './observation.js';
import { detailUnderNewerList, staleReason, type StaleReason } from './staleness.js';

export type ApplyOutcome = 'created' | 'changed' | 'unchanged' | 'stale';

export type ApplyResult = {
  bundleId: string;
  outcome: ApplyOutcome;
  /** Content fields that changed (column names, e.g. "status", "username"); empty when created. */
  changedFields: string[];
  /** The observation revealed a remake the mirror did not know of. */
  remakeDetected: boolean;
  /** Handles recorded in the account timeline for the first time, in order. */
  newHandles: string[];
};

/** What the mirror holds of the bundle before the observation: its state (null if never seen) and latest account. */
export type StoredBundle = { row: BundleState | null; latestIncarnation: KnownIncarnation | null };

/** Where the observation came from and when: what the version history records. */
export type PlanContext = {
  source: SyncReason;
  /** The webhook event id, run id, ... that caused the observation. */
  sourceRef: string | null;
  /** When the API answered. */
  observedAt: Date;
  /** When the mirror takes it (bookkeeping times). */
  appliedAt: Date;
  /** Another bundle holds this observation's external_ref with a newer claim: record null. */
  dropExternalRef?: boolean;
};

export type RowWrite =
  /** The whole state the bundle ends with. */
  | { kind: 'upsert'; row: BundleState }
  /**
   * Nothing but bookkeeping timestamps moves (the fast path of a re-listing). synced: the state is
   * confirmed as of this observation (last_synced_at, observed_at); detail: a detail confirmed it
   * (detail_synced_at); listed: a list page showed it; verified: a detail was compared with it.
   */
  | { kind: 'touch'; synced: boolean; detail: boolean; listed: boolean; verified: boolean }
  | { kind: 'none' };

export type VideoWrite = { kind: 'replace'; slots: VideoSlot[] } | { kind: 'touch' } | null;

export type BundlePlan = {
  result: ApplyResult;
  staleReason: StaleReason | null;
  write: RowWrite;
  /** The external_ref and updated_at the row ends with: what a uniqueness conflict is decided on. */
  externalRef: string | null;
  apiUpdatedAt: Date;
  version: VersionRecord | null;
  incarnations: IncarnationOp[];
  videos: VideoWrite;
};

/**
 * Whether planApply will look at the bundle's latest account incarnation (the storage reads it
 * only then): only a detail, or a list item whose remade_count grew, can touch the timeline.
 */
export function needsLatestIncarnation(observation: Observation, stored: BundleState | null): boolean {
  if (!stored) return observation.kind === 'detail';
  return observation.kind === 'detail' || observation.bundle.remade.remade_count > stored.remadeCount;
}

export function planApply(stored: StoredBundle, observation: Observation, context: PlanContext): BundlePlan {
  const { row: before } = stored;
  const isDetail = observation.kind === 'detail';
  const incomingColumns = columnsFromRaw(mergeObservation(before?.raw ?? null, observation));
  const freshness = { ...incomingColumns, observedAt: context.observedAt, kind: observation.kind };
  const raw: RawBundle = mergeObservation(before?.raw ?? null, observation, detailUnderNewerList(before, freshness));
  if (context.dropExternalRef) raw.external_ref = null;
  const columns = columnsFromRaw(raw);
  const { bundleId } = columns;

  const stale = staleReason(before, freshness);
  if (stale) {
    return {
      result: { bundleId, outcome: 'stale', changedFields: [], remakeDetected: false, newHandles: [] },
      staleReason: stale,
      // Being listed is a fact even when the item is older than what we hold (reconcile uses it);
      // a detail, even a stale one, was still a look at the bundle (rolling verification uses it).
      write: { kind: 'touch', synced: false, detail: false, listed: !isDetail, verified: isDetail },
      externalRef: before?.externalRef ?? null,
      apiUpdatedAt: before?.apiUpdatedAt ?? columns.apiUpdatedAt,
      version: null,
      incarnations: [],
      videos: null,
    };
  }

  const content = contentOf(raw);
  const hash = contentHash(content);
  const revived = before?.deletedAt != null;
  const ownedAgain = before?.notOwnedAt != null;
  const fields = before ? changedFields(contentOf(before.raw), content) : [];
  if (revived) fields.push('deleted_at');
  if (ownedAgain) fields.push('not_owned_at');
  const outcome = !before ? 'created' : before.contentHash !== hash || revived || ownedAgain ? 'changed' : 'unchanged';

  const remake = { remadeCount: columns.remadeCount, oldUsername: columns.oldUsername, remadeAt: columns.remadeAt };
  const incarnations = isDetail
    ? planIncarnationsForDetail(
        stored.latestIncarnation,
        { accountListingId: columns.accountListingId, savedAccountId: columns.savedAccountId, username: columns.username },
        remake,
        context.observedAt,
      )
    : planIncarnationsForList(stored.latestIncarnation, remake, context.observedAt);

  const { appliedAt } = context;
  const sameInstant = before?.apiUpdatedAt.getTime() === columns.apiUpdatedAt.getTime();
  const write: RowWrite =
    outcome === 'unchanged' && sameInstant
      ? { kind: 'touch', synced: true, detail: isDetail, listed: !isDetail, verified: isDetail }
      : {
          kind: 'upsert',
          row: {
            ...columns,
            raw,
            contentHash: hash,
            firstSeenAt: before?.firstSeenAt ?? appliedAt,
            lastSyncedAt: appliedAt,
            detailSyncedAt: isDetail ? appliedAt : (before?.detailSyncedAt ?? null),
            detailUpdatedAt: isDetail ? columns.apiUpdatedAt : (before?.detailUpdatedAt ?? null),
            lastListedAt: isDetail ? (before?.lastListedAt ?? null) : appliedAt,
            observedAt: latest(before?.observedAt ?? null, context.observedAt),
            detailObservedAt: isDetail ? context.observedAt : (before?.detailObservedAt ?? null),
            verifiedAt: isDetail ? appliedAt : (before?.verifiedAt ?? null),
            deletedAt: null,
            notOwnedAt: null,
          },
        };

  const version =
    outcome === 'unchanged'
      ? null
      : versionRow(
          { ...columns, raw, contentHash: hash },
          {
            source: context.source,
            sourceRef: context.sourceRef,
            observedAt: context.observedAt,
            changedFields: fields,
          },
        );

  const videosChanged = outcome === 'created' || fields.includes('videos');
  return {
    result: {
      bundleId,
      outcome,
      changedFields: fields,
      remakeDetected: before !== null && (columns.remadeCount > before.remadeCount || incarnations.remakeWithoutCount),
      newHandles: incarnations.newHandles,
    },
    staleReason: null,
    write,
    externalRef: columns.externalRef,
    apiUpdatedAt: columns.apiUpdatedAt,
    version,
    incarnations: incarnations.ops,
    videos: !isDetail ? null : videosChanged ? { kind: 'replace', slots: videoSlotsOf(raw) } : { kind: 'touch' },
  };
}

/** The row of a bundle that lost its external_ref to a newer claim: the same state with the ref cleared. */
export function withoutExternalRef(row: BundleState): { raw: RawBundle; contentHash: string } {
  const raw = { ...row.raw, external_ref: null };
  return { raw, contentHash: contentHash(contentOf(raw)) };
}

export type VersionMeta = { source: VersionSource; sourceRef: string | null; observedAt: Date; changedFields: string[] };

type VersionedState = Pick<
  BundleState,
  | 'bundleId'
  | 'status'
  | 'accountStatus'
  | 'username'
  | 'savedAccountId'
  | 'externalRef'
  | 'remadeCount'
  | 'apiUpdatedAt'
  | 'contentHash'
  | 'raw'
>;

/** A history entry: the state after the change, and what caused it. */
export function versionRow(state: VersionedState, meta: VersionMeta): VersionRecord {
  return {
    bundleId: state.bundleId,
    observedAt: meta.observedAt,
    source: meta.source,
    sourceRef: meta.sourceRef,
    contentHash: state.contentHash,
    changedFields: meta.changedFields,
    status: state.status,
    accountStatus: state.accountStatus,
    username: state.username,
    savedAccountId: state.savedAccountId,
    externalRef: state.externalRef,
    remadeCount: state.remadeCount,
    apiUpdatedAt: state.apiUpdatedAt,
    raw: state.raw,
  };
}

const latest = (a: Date | null, b: Date): Date => (a && a.getTime() > b.getTime() ? a : b);
