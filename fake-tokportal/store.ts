// The bundles of every API key, indexed so that 20,000 bundles still answer in
// microseconds: by id, in list order (created_at, then id), and by external_ref per owner.
import { FakeApiError, type BundleRecord } from './model.js';
import type { ListOrder } from './profile.js';

export type BundleFilter = {
  status?: string;
  bundle_type?: string;
  account_status?: string;
  platform?: string;
  external_ref?: string;
};

export type Page = { items: BundleRecord[]; page: number; perPage: number; total: number; totalPages: number };

export const compareListOrder = (a: BundleRecord, b: BundleRecord): number =>
  a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

export class BundleStore {
  private readonly byId = new Map<string, BundleRecord>();
  /** List order per owner; kept sorted on insert (new bundles are the newest: a plain push). */
  private readonly ordered = new Map<string, BundleRecord[]>();
  private readonly byExternalRef = new Map<string, Map<string, BundleRecord>>();
  /** saved account id → username, so a videos_only bundle on an existing account shows its handle. */
  readonly savedAccounts = new Map<string, string>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): BundleRecord | undefined {
    return this.byId.get(id);
  }

  ids(): string[] {
    return [...this.ordered.values()].flat().map((bundle) => bundle.id);
  }

  insert(bundle: BundleRecord): void {
    if (this.byId.has(bundle.id)) throw new Error(`duplicate bundle id ${bundle.id}`);
    if (bundle.externalRef !== null) this.assertExternalRefFree(bundle.owner, bundle.externalRef, bundle.id);
    this.byId.set(bundle.id, bundle);
    const list = this.ordered.get(bundle.owner) ?? [];
    this.ordered.set(bundle.owner, list);
    const last = list[list.length - 1];
    if (!last || compareListOrder(last, bundle) <= 0) list.push(bundle);
    else list.splice(this.insertionIndex(list, bundle), 0, bundle);
    if (bundle.externalRef !== null) this.refIndex(bundle.owner).set(bundle.externalRef, bundle);
  }

  remove(id: string): boolean {
    const bundle = this.byId.get(id);
    if (!bundle) return false;
    this.byId.delete(id);
    const list = this.ordered.get(bundle.owner)!;
    list.splice(list.indexOf(bundle), 1);
    if (bundle.externalRef !== null) this.refIndex(bundle.owner).delete(bundle.externalRef);
    return true;
  }

  /** Unique per owner (seed: "Must be unique per user"); null clears it. */
  setExternalRef(bundle: BundleRecord, ref: string | null): void {
    if (ref === bundle.externalRef) return;
    if (ref !== null) this.assertExternalRefFree(bundle.owner, ref, bundle.id);
    const index = this.refIndex(bundle.owner);
    if (bundle.externalRef !== null) index.delete(bundle.externalRef);
    bundle.externalRef = ref;
    if (ref !== null) index.set(ref, bundle);
  }

  assertExternalRefFree(owner: string, ref: string, exceptId?: string): void {
    const holder = this.refIndex(owner).get(ref);
    if (holder && holder.id !== exceptId) {
      throw new FakeApiError(409, 'DUPLICATE_EXTERNAL_REF', 'Another bundle already uses this external_ref.', {
        external_ref: ref,
        bundle_id: holder.id,
      });
    }
  }

  /**
   * One page of an owner's bundles, in `order` of creation. O(n) in the owner's bundles for a
   * filter, O(page) unfiltered, O(1) for an external_ref lookup.
   */
  list(owner: string, filter: BundleFilter, page: number, perPage: number, order: ListOrder = 'oldest-first'): Page {
    let candidates: BundleRecord[];
    if (filter.external_ref !== undefined) {
      const hit = this.refIndex(owner).get(filter.external_ref);
      candidates = hit ? [hit] : [];
    } else {
      candidates = this.ordered.get(owner) ?? [];
    }
    const unfiltered =
      filter.status === undefined &&
      filter.bundle_type === undefined &&
      filter.account_status === undefined &&
      filter.platform === undefined;
    const matches = unfiltered ? candidates : candidates.filter((bundle) => matchesFilter(bundle, filter));
    const start = (page - 1) * perPage;
    const items =
      order === 'oldest-first'
        ? matches.slice(start, start + perPage)
        : matches.slice(Math.max(0, matches.length - start - perPage), Math.max(0, matches.length - start)).reverse();
    return {
      items,
      page,
      perPage,
      total: matches.length,
      totalPages: Math.ceil(matches.length / perPage),
    };
  }

  private refIndex(owner: string): Map<string, BundleRecord> {
    let index = this.byExternalRef.get(owner);
    if (!index) {
      index = new Map();
      this.byExternalRef.set(owner, index);
    }
    return index;
  }

  private insertionIndex(list: BundleRecord[], bundle: BundleRecord): number {
    let low = 0;
    let high = list.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareListOrder(list[mid]!, bundle) <= 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

function matchesFilter(bundle: BundleRecord, filter: BundleFilter): boolean {
  return (
    (filter.status === undefined || bundle.status === filter.status) &&
    (filter.bundle_type === undefined || bundle.bundleType === filter.bundle_type) &&
    (filter.account_status === undefined || bundle.account?.status === filter.account_status) &&
    (filter.platform === undefined || bundle.platform === filter.platform)
  );
}
