// The doctor's expected index list is read from the migrations: the real ones,
// and the statement forms later migrations may use.
import { describe, expect, it } from 'vitest';
import { expectedIndexes } from '../../src/doctor/expected-indexes.js';

describe('expected indexes from the migrations', () => {
  it('lists every index of the migrations, and none that a later one dropped', () => {
    const names = expectedIndexes().map((e) => e.name).sort();
    expect(names).toEqual(expect.arrayContaining([
      // 0009: the span identity includes the partition key; the id primary key is gone.
      'llm_traces_span_uq',
      'llm_traces_input_tsv_idx',
      'llm_traces_output_tsv_idx',
      'llm_traces_project_ts_idx',
      'llm_traces_provider_model_ts_idx',
      'llm_traces_search_tsv_idx',
      'llm_traces_trace_id_idx',
      'llm_traces_ts_idx',
      // 0002: the selective and trigram indexes of the query shapes.
      'llm_traces_user_ts_idx',
      'llm_traces_input_text_trgm_idx',
      'llm_traces_errors_ts_idx',
    ]));
    expect(names).toHaveLength(new Set(names).size);
    expect(names).not.toContain('llm_traces_identity_uq');
    expect(names).not.toContain('llm_traces_pkey');
    // Primary keys are still read from CREATE TABLE (the rollup-free tables of later migrations may have them).
    expect(expectedIndexes().find((e) => e.name === 'tracelens_export_jobs_pkey')).toMatchObject({ constraint: true, createSql: 'ALTER TABLE tracelens_export_jobs ADD PRIMARY KEY (id);' });
    expect(expectedIndexes().find((e) => e.name === 'llm_traces_span_uq')).toMatchObject({ table: 'llm_traces', constraint: true });
  });

  it('follows later migrations that add, drop and rename indexes', () => {
    const list = expectedIndexes([
      { id: '1', sql: 'CREATE TABLE t (a int, b text, PRIMARY KEY (a, b));\nCREATE INDEX t_a_idx ON t (a);\nCREATE INDEX t_b_idx ON t (b);' },
      {
        id: '2',
        sql:
          '-- a comment; with a semicolon\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "T_Mixed" ON ONLY t USING btree (lower(b));\n' +
          'DROP INDEX IF EXISTS t_a_idx;\nALTER INDEX t_b_idx RENAME TO t_b_renamed_idx;',
      },
    ]);
    expect(list.map((e) => [e.name, e.migration, e.constraint])).toEqual([
      ['t_pkey', '1', true],
      ['T_Mixed', '2', true],
      ['t_b_renamed_idx', '1', false],
    ]);
    expect(list[0]!.createSql).toBe('ALTER TABLE t ADD PRIMARY KEY (a, b);');
    expect(list[1]!.createSql).toBe('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "T_Mixed" ON t USING btree (lower(b));');
    expect(list[2]!.createSql).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS t_b_renamed_idx ON t (b);');
  });
});
