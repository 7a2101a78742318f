// What `tokportal-sync audit` prints: each difference on a line (bundle, field, mirror, API), then
// a summary; or the same as JSON.
import type { AuditFindings as AuditResult } from '../sync/audit.js';

const MAX_VALUE = 120;

function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

export function differingCount(result: AuditResult): number {
  return result.audited.filter((audit) => audit.differences.length > 0).length;
}

export function formatAudit(result: AuditResult): string {
  const lines: string[] = [];
  for (const audit of result.audited) {
    for (const difference of audit.differences) {
      lines.push(`${audit.bundleId}  ${difference.field}: mirror ${show(difference.mirror)}  API ${show(difference.api)}`);
    }
  }
  for (const failure of result.failed) lines.push(`${failure.bundleId}  not checked: ${failure.error}`);
  const differing = differingCount(result);
  const fields = new Map<string, number>();
  for (const audit of result.audited) for (const d of audit.differences) fields.set(d.field, (fields.get(d.field) ?? 0) + 1);
  const byField = [...fields].sort(([a], [b]) => a.localeCompare(b)).map(([field, count]) => `${field} ${count}`);
  const total = result.audited.length + result.failed.length;
  lines.push(
    differing === 0 && result.failed.length === 0
      ? `Audit ${result.auditId}: mirror = API for ${result.audited.length}/${total} bundles, field by field and handle by handle`
      : `Audit ${result.auditId}: ${differing} of ${total} bundles differed (${byField.join(', ') || 'no field'}), repaired from the API's answer` +
          (result.failed.length > 0 ? `; ${result.failed.length} could not be checked` : ''),
  );
  return lines.join('\n');
}

export function auditJson(result: AuditResult): Record<string, unknown> {
  return {
    audit_id: result.auditId,
    audited: result.audited.length,
    differing: differingCount(result),
    failed: result.failed.map((failure) => ({ bundle_id: failure.bundleId, error: failure.error })),
    differences: result.audited.flatMap((audit) =>
      audit.differences.map((difference) => ({ bundle_id: audit.bundleId, field: difference.field, mirror: difference.mirror, api: difference.api })),
    ),
  };
}
