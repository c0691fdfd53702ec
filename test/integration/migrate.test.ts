import { expect, it } from 'vitest';
import { migrate } from '../../src/storage/migrate.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { describeEachBackend } from '../helpers/backends.js';

describeEachBackend(
  'migrations',
  (backend) => {
    it('applies every migration once, then nothing on a second run', async () => {
      const first = await migrate(backend().driver);
      expect(first.applied).toEqual(MIGRATIONS.map((m) => m.id));
      const second = await migrate(backend().driver);
      expect(second.applied).toEqual([]);
      expect(second.alreadyApplied).toEqual(MIGRATIONS.map((m) => m.id));
    });

    it('survives concurrent runners (advisory lock)', async () => {
      const results = await Promise.all([migrate(backend().driver), migrate(backend().driver), migrate(backend().driver)]);
      expect(results.flatMap((r) => r.applied)).toEqual([]);
      const rows = await backend().driver.query<{ n: number }>('SELECT count(*)::int AS n FROM tracelens_migrations');
      expect(rows.rows[0]!.n).toBe(MIGRATIONS.length);
    });

    it('keeps the full-text vectors in step with the text', async () => {
      const d = backend().driver;
      await d.query(
        `INSERT INTO llm_traces (ts, trace_id, span_id, project_id, span_name, input_text, output_text)
         VALUES (now(), 't1', 's1', 'p1', 'llm.chat', 'authentication failed for user', 'please retry the request')`,
      );
      const hit = await d.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM llm_traces
          WHERE input_tsv @@ websearch_to_tsquery('english', 'authentication')
            AND output_tsv @@ websearch_to_tsquery('english', 'retry')
            AND search_tsv @@ websearch_to_tsquery('english', 'authentication retry')`,
      );
      expect(hit.rows[0]!.n).toBe(1);
      await d.query(`UPDATE llm_traces SET input_text = 'nothing relevant' WHERE span_id = 's1'`);
      const miss = await d.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM llm_traces WHERE input_tsv @@ websearch_to_tsquery('english', 'authentication')`,
      );
      expect(miss.rows[0]!.n).toBe(0);
    });
  },
  { migrate: false },
);
