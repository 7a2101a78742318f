// The `data` of the webhooks the fake emits: bundle events carry bundle_id, account events
// also account_id (listing id) and saved_account_id (null before in_review), as docs/tokportal-api.md
// ("Webhooks", "Envelope") describes them.
import type { BundleRecord, PendingEvent, VideoRecord } from './model.js';

export function bundleEvent(type: string, bundle: BundleRecord): PendingEvent {
  return {
    type,
    data: {
      bundle_id: bundle.id,
      status: bundle.status,
      bundle_type: bundle.bundleType,
      platform: bundle.platform,
      country: bundle.country,
      external_ref: bundle.externalRef,
    },
  };
}

export function accountEvent(type: string, bundle: BundleRecord, extra: Record<string, unknown> = {}): PendingEvent {
  const account = bundle.account;
  return {
    type,
    data: {
      bundle_id: bundle.id,
      account_id: account?.id ?? null,
      saved_account_id: account?.savedAccountId ?? null,
      username: account?.username ?? null,
      account_status: account?.status ?? null,
      platform: bundle.platform,
      external_ref: bundle.externalRef,
      ...extra,
    },
  };
}

export function videoEvent(type: string, bundle: BundleRecord, video: VideoRecord): PendingEvent {
  return {
    type,
    data: {
      bundle_id: bundle.id,
      video_id: video.id,
      position: video.position,
      video_status: video.status,
      account_id: bundle.account?.id ?? null,
      saved_account_id: bundle.account?.savedAccountId ?? null,
      external_ref: bundle.externalRef,
    },
  };
}

export const videoEvents = (type: string, bundle: BundleRecord, videos: readonly VideoRecord[]): PendingEvent[] =>
  videos.map((video) => videoEvent(type, bundle, video));
