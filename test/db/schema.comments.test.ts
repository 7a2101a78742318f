// `\d+` documents the mirror: every table, view and column of schema tokportal, and every
// function, carries a COMMENT (from the migrations). A column added without one fails here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../src/db/result-rows.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('comments');
});
afterAll(async () => database?.drop());

const query = async (text: ReturnType<typeof sql>) => rowsOf(await database.db.execute(text));

describe('comments on schema tokportal', () => {
  it('documents every table and view', async () => {
    const relations = await query(sql`
      select c.relname as name, c.relkind as kind, obj_description(c.oid, 'pg_class') as comment
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'tokportal' and c.relkind in ('r', 'v', 'm', 'p', 'f')
      order by c.relname`);
    expect(relations.length).toBeGreaterThanOrEqual(20);
    expect(relations.filter((r) => !r.comment || String(r.comment).trim().length < 20).map((r) => r.name)).toEqual([]);
  });

  it('documents every column of every table and view', async () => {
    const columns = await query(sql`
      select c.table_name as relation, c.column_name as name,
             col_description(format('%I.%I', c.table_schema, c.table_name)::regclass, c.ordinal_position::int) as comment
      from information_schema.columns c
      where c.table_schema = 'tokportal'
      order by c.table_name, c.ordinal_position`);
    expect(columns.length).toBeGreaterThan(200);
    const undocumented = columns.filter((c) => !c.comment || String(c.comment).trim() === '').map((c) => `${c.relation}.${c.name}`);
    expect(undocumented).toEqual([]);
  });

  it('documents every function and the schema itself', async () => {
    const functions = await query(sql`
      select p.proname as name, obj_description(p.oid, 'pg_proc') as comment
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'tokportal' and p.prokind = 'f' and p.prorettype <> 'trigger'::regtype`);
    expect(functions.map((f) => f.name)).toContain('bundles_as_of');
    expect(functions.filter((f) => !f.comment).map((f) => f.name)).toEqual([]);
    const [schema] = await query(sql`select obj_description('tokportal'::regnamespace, 'pg_namespace') as comment`);
    expect(schema!.comment).toMatch(/TokPortal/);
  });
});
