// ROLLUP_MODE=deferred (migration 0014): ingest leaves its rollup deltas
// pending and the fold applies them. Beyond the differential test (random
// ingest, duplicates, deletes and folds, both modes): a rolled-back ingest
// leaves nothing pending; concurrent ingest on several connections while
// folds run leaves the rollups equal to the spans once folded (each pending
// row applied once, whatever the commit order); a fold already running
// elsewhere makes another one step aside; the folder started as the server
// starts it shows an acknowledged span in the analytics answer by itself; a
// rebuild drops what was pending (the spans it reads already hold it). The
// concurrent cases need several connections: PostgreSQL only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsRequestFromBody } from '../../src/analytics/metrics-request.js';
import { executeMetricsQuery } from '../../src/analytics/metrics-service.js';
import { rebuildRollups } from '../../src/analytics/rollup-maintenance.js';
import { PostgresDriver } from '../../src/storage/postgres.js';
import { RollupFolder } from '../../src/storage/rollup-folder.js';
import { insertSpans, span } from '../helpers/spans.js';
import { describeEachBackend, openBackend, TEST_POOL, truncateSpans, type Backend } from '../helpers/backends.js';
import { eventually } from '../helpers/cache.js';

const pendingRows = async (db: { query: PostgresDriver['query'] }) =>
  Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM tracelens_rollup_pending')).rows[0]!.n);

/** The hourly project rollup and the same figures from the spans: requests and exact cost per (project, hour). */
const PROJECT_HOURS = {
  rollup: `SELECT project_id, bucket, request_count::text AS n, trim_scale(total_cost_sum)::text AS cost FROM llm_rollup_project_1h ORDER BY 1, 2`,
  raw:
    `SELECT project_id, date_trunc('hour', ts, 'UTC') AS bucket, count(*)::text AS n, trim_scale(coalesce(sum(total_cost_usd), 0))::text AS cost` +
    ` FROM llm_traces GROUP BY 1, 2 ORDER BY 1, 2`,
};

const at = (minute: number) => new Date(Date.UTC(2026, 10, 2, 10, minute)).toISOString();

describeEachBackend(
  'deferred rollups',
  (backend) => {
    it('leaves nothing pending for an ingest that rolled back, and folds a committed one exactly once', async () => {
      const db = backend().driver;
      await truncateSpans(db);
      // A statement that fails after the insert: the transaction rolls back.
      await expect(
        db.transaction(async (tx) => {
          await insertSpans(tx, [span({ ts: at(1) }), span({ ts: at(2) })]);
          await tx.query('SELECT 1/0');
        }),
      ).rejects.toThrow();
      expect(await pendingRows(db)).toBe(0);
      await insertSpans(db, [span({ ts: at(3), total_cost_usd: '0.0000000007' }), span({ ts: at(4), total_cost_usd: '1.5' })]);
      expect(await pendingRows(db)).toBe(2);
      // Not applied yet: the rollup answers without them until the fold.
      expect((await db.query(PROJECT_HOURS.rollup)).rows).toEqual([]);
      const folder = new RollupFolder(db, 0);
      expect(await folder.foldOnce()).toEqual({ ran: true, rows: 2 });
      expect(await folder.foldOnce()).toEqual({ ran: true, rows: 0 });
      expect((await db.query(PROJECT_HOURS.rollup)).rows).toEqual((await db.query(PROJECT_HOURS.raw)).rows);
      expect((await db.query<{ cost: string }>(PROJECT_HOURS.rollup)).rows.map((r) => r.cost)).toEqual(['1.5000000007']);
    });

    it('shows an acknowledged span in the analytics answer once the background folder has run', async () => {
      const db = backend().driver;
      await truncateSpans(db);
      const folder = new RollupFolder(db, 100);
      folder.start();
      try {
        const req = metricsRequestFromBody({ metrics: [{ metric: 'request_count', alias: 'n' }], from: '2026-11-01T00:00:00Z', to: '2026-11-04T00:00:00Z' });
        const range = { fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: Date.parse('2026-11-04T00:00:00Z') };
        const count = async () => (await executeMetricsQuery(db, req, null, range)).rows[0]?.n ?? 0;
        await insertSpans(db, [span({ ts: at(5) }), span({ ts: at(6) }), span({ ts: at(7) })]);
        // Liveness, not a timing: the folder gets there by itself (its interval is 100 ms).
        await eventually(async () => (await count()) === 3, 10_000);
        expect((await executeMetricsQuery(db, req, null, range)).source).toBe('rollup_1d');
        expect(await pendingRows(db)).toBe(0);
      } finally {
        await folder.stop();
      }
    });

    it('drops what was pending when the rollups are rebuilt from the spans', async () => {
      const db = backend().driver;
      await truncateSpans(db);
      await insertSpans(db, [span({ ts: at(8) }), span({ ts: at(9) })]);
      expect(await pendingRows(db)).toBe(2);
      await rebuildRollups(db);
      expect(await pendingRows(db)).toBe(0);
      expect(await new RollupFolder(db, 0).foldOnce()).toEqual({ ran: true, rows: 0 });
      expect((await db.query(PROJECT_HOURS.rollup)).rows).toEqual((await db.query(PROJECT_HOURS.raw)).rows);
    });
  },
  { deferredRollups: true },
);

// Several connections at once: PostgreSQL only (the embedded engine has one connection).
describe('deferred rollups, concurrent [postgres]', () => {
  let pg: Backend | undefined;
  beforeAll(async () => {
    pg = await openBackend('postgres', { deferredRollups: true });
  });
  afterAll(async () => {
    await pg?.close();
  });

  it('folds concurrent ingest from several connections exactly once, with folds running alongside', async () => {
    const b = pg!;
    const db = b.driver;
    await truncateSpans(db);
    const writers = new PostgresDriver({ url: b.url!, pool: { ...TEST_POOL, poolMax: 6 }, deferredRollups: true });
    const folds = new PostgresDriver({ url: b.url!, pool: { ...TEST_POOL, poolMax: 2 } });
    try {
      const folder = new RollupFolder(folds, 0);
      let done = false;
      let folded = 0;
      const folding = (async () => {
        while (!done) folded += (await folder.foldOnce()).rows;
      })();
      // Six writers, 40 batches of 25 spans over a few hours; every fifth batch rolls back.
      await Promise.all(
        Array.from({ length: 6 }, async (_, w) => {
          for (let i = 0; i < 40; i++) {
            const spans = Array.from({ length: 25 }, (_, k) =>
              span({ project_id: `p${(w + k) % 3}`, ts: new Date(Date.UTC(2026, 10, 2, (i + k) % 5, k)).toISOString(), total_cost_usd: `0.00000${w}${k}` }),
            );
            if (i % 5 === 4) {
              await writers.transaction(async (tx) => {
                await insertSpans(tx, spans);
                await tx.query('SELECT 1/0');
              }).catch(() => undefined);
            } else {
              await insertSpans(writers, spans);
            }
          }
        }),
      );
      done = true;
      await folding;
      folded += (await folder.foldOnce()).rows;
      expect(folded).toBe(6 * 32 * 25);
      expect(await pendingRows(db)).toBe(0);
      expect((await db.query(PROJECT_HOURS.rollup)).rows).toEqual((await db.query(PROJECT_HOURS.raw)).rows);
    } finally {
      await writers.close();
      await folds.close();
    }
  });

  it('steps aside while another fold holds the lock', async () => {
    const b = pg!;
    const other = new PostgresDriver({ url: b.url!, pool: { ...TEST_POOL, poolMax: 1 } });
    try {
      await insertSpans(b.driver, [span({ ts: at(10) })]);
      await other.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(727364518)');
        expect(await new RollupFolder(b.driver, 0).foldOnce()).toEqual({ ran: false, rows: 0 });
      });
      expect((await new RollupFolder(b.driver, 0).foldOnce()).ran).toBe(true);
    } finally {
      await other.close();
    }
  });
});
