// The audit-bundle job of `tokportal-sync audit`: one GET /bundles/:id like any sync (same
// queue, same shared rate limiter), compared field by field and handle by handle with the mirror
// as it was before the answer, then applied as an ordinary observation, which repairs what differed.
import type { Job } from 'bullmq';
import { readStoredForAudit } from '../db/verification.js';
import type { AuditBundleData } from '../queue/jobs.js';
import { auditBundle, type Difference } from '../sync/audit.js';
import type { ProcessorContext } from './processor-context.js';
import { refreshBundle, type BundleRefresh } from './sync-bundle.js';

export type AuditBundleOutcome = { bundleId: string; differences: Difference[]; refresh: BundleRefresh['kind'] };

export async function processAuditBundle(job: Job, ctx: ProcessorContext): Promise<AuditBundleOutcome> {
  const { bundleId, auditId } = job.data as AuditBundleData;
  let differences: Difference[] = [];
  const refresh = await refreshBundle(ctx, { bundleId, reason: 'audit', sourceRef: auditId }, async (answer) => {
    differences = auditBundle(await readStoredForAudit(ctx.db, bundleId), answer);
  });
  for (const difference of differences) ctx.metrics.drift.inc({ field: difference.field });
  return { bundleId, differences, refresh: refresh.kind };
}
