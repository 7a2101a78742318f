// Per-bundle serialization and retry for the repository's transactions.
import { sql } from 'drizzle-orm';
import type { Database } from './connection.js';

export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

// Advisory locks with two int keys live apart from single-bigint ones (the migration lock):
// this namespace is ours. Chosen arbitrarily, fixed forever.
const BUNDLE_LOCK_NAMESPACE = 727_002;

/**
 * Locks bundles (existing or not yet inserted) until the transaction ends, always in the
 * same order (sorted ids, left to right in one statement) so two batches cannot deadlock on
 * each other; a rare hash collision that does is retried by withRetry.
 */
export async function lockBundles(tx: Transaction, bundleIds: readonly string[]): Promise<void> {
  const ids = [...new Set(bundleIds)].sort();
  if (ids.length === 0) return;
  const calls = ids.map((id) => sql`pg_advisory_xact_lock(${BUNDLE_LOCK_NAMESPACE}, hashtext(${id}))`);
  await tx.execute(sql`select ${sql.join(calls, sql`, `)}`);
}

// deadlock_detected, serialization_failure, unique_violation (two transactions claiming the
// same external_ref or inserting the same new row at once: the rerun sees the winner's commit).
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['40P01', '40001', '23505']);
const MAX_ATTEMPTS = 6;

function sqlStateOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Runs fn in a transaction, again from scratch when Postgres reports a conflict a rerun resolves. */
export async function inRetriedTransaction<T>(db: Database, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(fn);
    } catch (error) {
      const code = sqlStateOf(error);
      if (attempt >= MAX_ATTEMPTS || !code || !RETRYABLE_CODES.has(code)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}

/** Splits rows so one statement stays far below Postgres' 65,535 bind parameters. */
export function chunked<T>(items: readonly T[], size = 500): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
