// Rollup backfill and the histogram's error bound, on both engines: spans
// written while the triggers were off (as before migration 0003) are missing
// from the rollups until rebuildRollups() folds them in; every latency bin
// reports a value within the stated relative error of every value in it.
import { expect, it } from 'vitest';
import { PERCENTILE_RELATIVE_ERROR } from '../../src/analytics/catalog.js';
import { rebuildRollups } from '../../src/analytics/rollup-maintenance.js';
import { insertSpanRecords } from '../../src/storage/span-writer.js';
import { describeEachBackend, truncateSpans } from '../helpers/backends.js';
import { span } from '../helpers/spans.js';
import { toRecord } from '../helpers/span-records.js';

describeEachBackend('rollup maintenance', (backend) => {
  it('rebuilds the rollups from spans the triggers never saw', async () => {
    const db = backend().driver;
    await truncateSpans(db);
    await insertSpanRecords(db, [toRecord(span({ ts: '2026-10-01T10:00:00Z', total_cost_usd: '0.5' }))]);
    await db.query('ALTER TABLE llm_traces DISABLE TRIGGER llm_traces_rollup_insert');
    await insertSpanRecords(db, [toRecord(span({ ts: '2026-10-01T10:30:00Z', total_cost_usd: '0.25', duration_ms: 9000 }))]);
    await db.query('ALTER TABLE llm_traces ENABLE TRIGGER llm_traces_rollup_insert');
    const read = async () => (await db.query<{ n: string; c: string; mx: number }>('SELECT sum(request_count)::text AS n, sum(total_cost_sum)::text AS c, max(duration_max) AS mx FROM llm_rollup_1d')).rows[0];
    expect(await read()).toEqual({ n: '1', c: '0.5000000000', mx: 420 });
    const res = await rebuildRollups(db);
    expect(res.rows.llm_rollup_1m).toBe(2);
    expect(res.rows.llm_rollup_1d).toBe(1);
    expect(await read()).toEqual({ n: '2', c: '0.7500000000', mx: 9000 });
    const hist = await db.query<{ n: string }>('SELECT sum(u.n)::text AS n FROM llm_latency_1h, unnest(counts) AS u(n) WHERE metric = 1');
    expect(hist.rows[0]!.n).toBe('2');
    // The report structures of 0010 are rebuilt too.
    expect(res.rows.llm_rollup_user_1d).toBe(1);
    const traces = await db.query<{ c: string; n: string }>('SELECT sum(total_cost)::text AS c, sum(span_count)::text AS n FROM llm_trace_costs');
    expect(traces.rows[0]).toEqual({ c: '0.7500000000', n: '2' });
  });

  it('stays exact under concurrent batches that update the same current-minute rows', async () => {
    const db = backend().driver;
    await truncateSpans(db);
    const now = Date.now();
    const batches = Array.from({ length: 8 }, (_, b) =>
      Array.from({ length: 50 }, (_, i) =>
        toRecord(span({ ts: new Date(now - i * 10).toISOString(), model: i % 2 ? 'gpt-4o' : 'claude', total_cost_usd: '0.0000000001', duration_ms: b * 100 + i })),
      ),
    );
    // All at once (the pool runs them in parallel on PostgreSQL), then every batch again: stored and counted once.
    await Promise.all(batches.map((batch) => insertSpanRecords(db, batch)));
    await Promise.all(batches.map((batch) => insertSpanRecords(db, batch)));
    const got = await db.query<{ n: string; c: string; mx: number }>(
      `SELECT sum(request_count)::text AS n, sum(total_cost_sum)::text AS c, max(duration_max) AS mx FROM llm_rollup_1m`,
    );
    expect(got.rows[0]).toEqual({ n: '400', c: '0.0000000400', mx: 749 });
    const raw = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM llm_traces');
    expect(raw.rows[0]!.n).toBe('400');
  });

  it('reports every latency within the stated relative error of its bin value', async () => {
    const res = await backend().driver.query<{ worst: number; bins: number }>(
      `SELECT max(abs(tracelens_latency_value(tracelens_latency_bin(v)) - v) / v) AS worst, count(DISTINCT tracelens_latency_bin(v))::int AS bins
       FROM (SELECT generate_series(1, 200000) AS v UNION ALL SELECT (1.02 ^ k)::int FROM generate_series(1, 1000) k WHERE 1.02 ^ k < 2147483647) s`,
    );
    expect(res.rows[0]!.worst).toBeLessThanOrEqual(PERCENTILE_RELATIVE_ERROR + 1e-12);
    expect(PERCENTILE_RELATIVE_ERROR).toBeLessThan(0.01);
    expect(res.rows[0]!.bins).toBeGreaterThan(600);
    const zero = await backend().driver.query<{ v: number }>('SELECT tracelens_latency_value(tracelens_latency_bin(0)) AS v');
    expect(zero.rows[0]!.v).toBe(0);
  });
});
