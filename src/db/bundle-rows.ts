// Rows of the mirror tables in the sync core's terms. The core (src/sync/) owns its types and
// never sees a table; this is where a row becomes a BundleState. The other direction needs no
// code: the core's BundleState, VersionRecord and NewIncarnation name their fields as the
// columns do, and the inserts that take them are type-checked against the schema.
import type { BundleState } from '../sync/bundle-state.js';
import type { RawBundle } from '../sync/bundle-content.js';
import type { BundleRow } from './schema.js';

/** A bundles row as the core reads it. raw is what the core merged and we stored: always a JSON object. */
export function bundleStateOf(row: BundleRow): BundleState {
  return { ...row, raw: row.raw as RawBundle };
}
