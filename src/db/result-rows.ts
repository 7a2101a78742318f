// The two drivers answer a raw `db.execute` differently: postgres.js with an array of rows,
// PGlite with an object holding `rows`. Every raw statement reads its rows through this.

/** The rows of a `db.execute` result, whichever driver answered. */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  if (Array.isArray(result)) return result as Record<string, unknown>[];
  return ((result as { rows?: Record<string, unknown>[] }).rows ?? []) as Record<string, unknown>[];
}
