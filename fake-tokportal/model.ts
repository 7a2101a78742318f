// The fake's in-memory records and vocabulary. Records hold raw state only; every
// computed field of the wire format is derived in serialize.ts, as TokPortal documents it.

export const BUNDLE_TYPES = ['account_only', 'account_and_videos', 'videos_only'] as const;
export type BundleType = (typeof BUNDLE_TYPES)[number];

export const PLATFORMS = ['tiktok', 'instagram', 'youtube'] as const;
/** Bundles are only created on these; `youtube` is a documented list filter value only. */
export const CREATABLE_PLATFORMS = ['tiktok', 'instagram'] as const;

export const BUNDLE_STATUSES = [
  'draft',
  'pending_setup',
  'published',
  'published_priority',
  'accepted',
  'in_review',
  'finalized',
  'completed',
  'cancelled',
  'archived',
] as const;

export const ACCOUNT_STATUSES = ['pending', 'configured', 'in_review', 'pending_corrections', 'finalized', 'banned'] as const;

export const VIDEO_STATUSES = [
  'pending',
  'configured',
  'in_review',
  'pending_corrections',
  'accepted',
  'published',
  'finalized',
] as const;

export type AccountRecord = {
  /** Account listing id: the bundle's account slot, stable across remakes. */
  id: string;
  savedAccountId: string | null;
  username: string | null;
  visibleName: string | null;
  biography: string | null;
  profilePictureUrl: string | null;
  status: string;
};

export type VideoRecord = { id: string; position: number; status: string; name: string | null };

export type BundleRecord = {
  id: string;
  /** The API key the bundle belongs to; other keys get 403 BUNDLE_NOT_OWNED. */
  owner: string;
  bundleType: BundleType;
  platform: string;
  country: string;
  status: string;
  title: string | null;
  videosQuantity: number;
  editsQuantity: number;
  usedEdits: number;
  creditCost: number;
  externalRef: string | null;
  existingAccountId: string | null;
  autoFinalizeVideos: boolean;
  wantsNicheWarming: boolean;
  nicheWarmingInstructions: string | null;
  wantsDeepWarming: boolean;
  account: AccountRecord | null;
  videos: VideoRecord[];
  /** Set by the first publication: is_published stays true once published (cancelled or archived later included). */
  publishedOnce: boolean;
  remadeCount: number;
  oldUsername: string | null;
  remadeAt: string | null;
  /** Every username the account ever had, in order: the ground truth the mirror's history is checked against. */
  handles: string[];
  /** Unknown fields an operator set through /_fake: served as-is, to exercise clients' tolerance. */
  extra: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
};

/** An API error as TokPortal answers it: `{ error: { code, message, details } }`. */
export class FakeApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 402 | 403 | 404 | 409 | 429 | 500 | 502 | 503,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'FakeApiError';
  }
}

export const notFound = (bundleId: string) =>
  new FakeApiError(404, 'BUNDLE_NOT_FOUND', `Bundle ${bundleId} does not exist.`, { bundle_id: bundleId });

export const validationError = (message: string, details: Record<string, unknown> = {}) =>
  new FakeApiError(400, 'VALIDATION_ERROR', message, details);

export const invalidStatus = (bundle: BundleRecord, action: string) =>
  new FakeApiError(409, 'BUNDLE_INVALID_STATUS', `Cannot ${action} a bundle in status ${bundle.status}.`, {
    current_status: bundle.status,
  });

/** A webhook the fake is about to send: type plus `data`; the emitter adds id, api_version and created_at. */
export type PendingEvent = { type: string; data: Record<string, unknown> };
