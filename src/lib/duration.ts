// Durations as settings (RECONCILE_INTERVAL...) and command options (--lock-duration...) write them.

const durationPattern = /^(\d+)(ms|s|m|h)?$/;
const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** Parses "15m", "900s", "2h", "500ms" or a bare number of milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = durationPattern.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? 'ms') as keyof typeof unitMs;
  return Number(match[1]) * unitMs[unit];
}
