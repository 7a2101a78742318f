// Typed client for the TokPortal Bundles API and its webhook endpoint management.
// Every answer is validated against the wire schemas (unknown fields and statuses pass
// through), every failure is a TokPortalApiError. One method call = one HTTP request:
// the client never retries (see http.ts), so the queue can count and pace API calls.
import { z } from 'zod';
import {
  bundleDetailSchema,
  bundleListItemSchema,
  dataEnvelope,
  listEnvelope,
  type BundleDetail,
  type BundleListItem,
  type Pagination,
} from './schemas.js';
import { HttpTransport, type ApiCallInfo } from './http.js';
import type { RateLimitInfo } from './errors.js';
import { WebhookEndpointsApi } from './webhook-endpoints.js';

export type { ApiCallInfo } from './http.js';
export type { RateLimitInfo } from './errors.js';
export { TokPortalApiError, isTokPortalApiError } from './errors.js';

export type TokPortalClientOptions = {
  baseUrl: string;
  apiKey: string;
  /** Per request, including reading the body. Default 15 s. */
  timeoutMs?: number;
  /** Called once per HTTP request, success or not (metrics, rate-limit tracking). */
  onCall?: (info: ApiCallInfo) => void;
  /**
   * Awaited before each request. The queue's workers are paced by BullMQ's limiter; a caller
   * outside the queue (the webhooks commands) takes its slot of the same shared limit here.
   */
  beforeRequest?: () => Promise<void>;
};

export const MAX_PER_PAGE = 100;

export type ListBundlesQuery = {
  status?: string;
  bundle_type?: string;
  account_status?: string;
  platform?: string;
  external_ref?: string;
  /** 1-based. */
  page?: number;
  /** Default 25 (API side), at most 100. */
  per_page?: number;
};

export type ListBundlesResult = {
  data: BundleListItem[];
  /** As sent; null when the answer carries none (the documentation's list example has none). */
  pagination: Pagination | null;
  requestId: string | null;
  rateLimit: RateLimitInfo | null;
};

export type BundlePage = { page: number; data: BundleListItem[]; pagination: Pagination | null };

export type CreateBundleInput = {
  bundle_type: 'account_only' | 'account_and_videos' | 'videos_only' | (string & {});
  platform?: 'tiktok' | 'instagram' | (string & {});
  country?: string;
  title?: string;
  videos_quantity?: number;
  edits_quantity?: number;
  wants_niche_warming?: boolean;
  wants_deep_warming?: boolean;
  niche_warming_instructions?: string;
  auto_finalize_videos?: boolean;
  /**
   * For videos_only: the existing (saved) account to post on. The seed does not document
   * the create body; the bundle echoes it as existing_account_id, TokPortal's SDK calls it account_id.
   */
  existing_account_id?: string;
  account_id?: string;
  external_ref?: string;
};

export type UpdateBundleInput = { auto_finalize_videos?: boolean; external_ref?: string | null; title?: string | null };

export type PublishReadiness = {
  bundle_id: string;
  ready: boolean;
  blockers: { code: string; message: string; details?: unknown }[];
};

const publishReadinessSchema = z.looseObject({
  bundle_id: z.string(),
  ready: z.boolean(),
  blockers: z
    .array(z.looseObject({ code: z.string(), message: z.string().default(''), details: z.unknown().optional() }))
    .default([]),
});

const updatedBundleSchema = z.looseObject({ id: z.string().min(1) });

const bundlePath = (id: string) => `/bundles/${encodeURIComponent(id)}`;

export class TokPortalClient {
  readonly webhooks: WebhookEndpointsApi;
  readonly #http: HttpTransport;

  constructor(options: TokPortalClientOptions) {
    this.#http = new HttpTransport(options);
    this.webhooks = new WebhookEndpointsApi(this.#http);
  }

  async listBundles(query: ListBundlesQuery = {}): Promise<ListBundlesResult> {
    assertPaging(query.page, query.per_page);
    const response = await this.#http.sendParsed(
      { method: 'GET', route: '/bundles', path: '/bundles', query },
      listEnvelope(bundleListItemSchema),
    );
    const { data, pagination } = response.body;
    return {
      data,
      pagination: pagination ?? null,
      requestId: response.requestId,
      rateLimit: response.rateLimit,
    };
  }

  /**
   * Walks the list page by page (one request per page, as the caller consumes them) until the
   * first page that is not full (or the last one a pagination object names). Bundles created or
   * deleted while walking can shift between pages: the sync's listing runs walk in passes that
   * prove themselves (src/sync/page-walk.ts); this plain walk does not.
   */
  async *iterateBundlePages(
    query: Omit<ListBundlesQuery, 'page'> & { startPage?: number } = {},
  ): AsyncGenerator<BundlePage, void, undefined> {
    const { startPage = 1, ...filters } = query;
    // The API's default page size, when the caller leaves it to the API.
    const perPage = filters.per_page ?? 25;
    for (let page = startPage; ; page++) {
      const result = await this.listBundles({ ...filters, page });
      yield { page, data: result.data, pagination: result.pagination };
      if (result.data.length < perPage) return;
      if (result.pagination && page >= result.pagination.total_pages) return;
    }
  }

  async getBundle(id: string): Promise<BundleDetail> {
    const response = await this.#http.sendParsed(
      { method: 'GET', route: '/bundles/:id', path: bundlePath(id) },
      dataEnvelope(bundleDetailSchema),
    );
    return response.body.data;
  }

  async createBundle(input: CreateBundleInput): Promise<BundleDetail> {
    const response = await this.#http.sendParsed(
      { method: 'POST', route: '/bundles', path: '/bundles', body: input },
      dataEnvelope(bundleDetailSchema),
    );
    return response.body.data;
  }

  /** PATCH answers with the changed settings only (id, title, auto_finalize_videos, external_ref, updated_at). */
  async updateBundle(id: string, patch: UpdateBundleInput): Promise<Record<string, unknown>> {
    const response = await this.#http.sendParsed(
      { method: 'PATCH', route: '/bundles/:id', path: bundlePath(id), body: patch },
      dataEnvelope(updatedBundleSchema),
    );
    return response.body.data;
  }

  async getPublishReadiness(id: string): Promise<PublishReadiness> {
    const response = await this.#http.sendParsed(
      { method: 'GET', route: '/bundles/:id/publish-readiness', path: `${bundlePath(id)}/publish-readiness` },
      dataEnvelope(publishReadinessSchema),
    );
    return response.body.data;
  }

  async publishBundle(id: string): Promise<BundleDetail> {
    return this.#bundleAction(id, 'publish');
  }

  async unpublishBundle(id: string): Promise<BundleDetail> {
    return this.#bundleAction(id, 'unpublish');
  }

  async #bundleAction(id: string, action: 'publish' | 'unpublish'): Promise<BundleDetail> {
    const response = await this.#http.sendParsed(
      { method: 'POST', route: `/bundles/:id/${action}`, path: `${bundlePath(id)}/${action}` },
      dataEnvelope(bundleDetailSchema),
    );
    return response.body.data;
  }
}

/** Catches paging mistakes before they spend a rate-limited call on a certain 400. */
function assertPaging(page: number | undefined, perPage: number | undefined): void {
  if (page !== undefined && (!Number.isInteger(page) || page < 1)) {
    throw new RangeError(`page must be an integer >= 1, got ${page}`);
  }
  if (perPage !== undefined && (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE)) {
    throw new RangeError(`per_page must be an integer from 1 to ${MAX_PER_PAGE}, got ${perPage}`);
  }
}
