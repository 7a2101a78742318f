// Durations as settings (RECONCILE_INTERVAL...) and command options (--lock-duration...) write them.
// A unit is required: a bare "15" once meant 15 ms and ran a reconcile every 15 ms. Each duration
// also has a floor, so a typo in the unit (15ms for 15m) is refused instead of hammering the API.

const durationPattern = /^(\d+)(ms|s|m|h)$/;
const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** Parses "15m", "900s", "2h" or "500ms"; a number without its unit is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = durationPattern.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
}

/** The shortest way to write a number of milliseconds with one unit: 900000 → "15m". */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export type DurationRule = {
  /** Smallest accepted value in milliseconds. */
  minMs: number;
  /** A valid value to quote in the message, e.g. "15m". */
  example: string;
};

/**
 * Milliseconds, or why the text is refused, phrased to follow the name of the setting or option:
 * `Invalid RECONCILE_INTERVAL: "15" has no unit; write a duration such as 15m (units: ms, s, m, h)`.
 */
export function checkDuration(text: string, rule: DurationRule): { ok: true; ms: number } | { ok: false; reason: string } {
  const trimmed = text.trim();
  const ms = parseDuration(trimmed);
  const advice = `write a duration such as ${rule.example} (units: ms, s, m, h)`;
  if (ms === undefined) {
    const problem = /^\d+$/.test(trimmed) ? 'has no unit' : 'is not a duration';
    return { ok: false, reason: `"${text}" ${problem}; ${advice}` };
  }
  if (ms < rule.minMs) {
    return { ok: false, reason: `"${text}" is below the minimum of ${formatDuration(rule.minMs)}; ${advice}` };
  }
  return { ok: true, ms };
}
