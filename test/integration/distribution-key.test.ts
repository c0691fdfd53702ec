// Keeps the schema on the path to a distributed PostgreSQL (Citus, with
// project_id as the distribution column; docs/scaling.md): a sharded table
// can only enforce a unique key that contains the distribution column, and
// cannot have foreign keys to or from other distributed tables except on it.
// The one exception is the surrogate key `id` (alone, or with the partition
// key): moving to Citus turns it into (project_id, id), see docs/scaling.md.
import { expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/backends.js';

describeEachBackend('schema stays distributable by project_id', (backend) => {
  it('every unique key of the span table (and its partitions) contains project_id, but the surrogate id', async () => {
    const { rows } = await backend().driver.query<{ index: string; columns: string[] }>(
      `SELECT i.relname AS index, array_agg(a.attname::text ORDER BY a.attnum) AS columns
         FROM pg_index x
         JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(x.indkey)
        WHERE x.indisunique AND n.nspname = current_schema() AND t.relname LIKE 'llm\\_traces%'
        GROUP BY i.relname`,
    );
    // The span identity (with ts, the partition key: migration 0009).
    expect(rows.map((r) => r.index)).toContain('llm_traces_span_uq');
    const offending = rows.filter((r) => !r.columns.includes('project_id') && !r.columns.includes('id')).map((r) => r.index);
    expect(offending).toEqual([]);
  });

  it('no foreign key points into or out of a span table', async () => {
    const { rows } = await backend().driver.query<{ name: string }>(
      `SELECT c.conname AS name FROM pg_constraint c
        WHERE c.contype = 'f' AND (c.conrelid = 'llm_traces'::regclass OR c.confrelid = 'llm_traces'::regclass)`,
    );
    expect(rows).toEqual([]);
  });
});
