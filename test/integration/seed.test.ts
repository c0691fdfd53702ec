import { beforeEach, describe, expect, it } from 'vitest';
import { configWith } from '../../src/config.js';
import { loadDemoDataIfEmpty, DEMO } from '../../src/seed/demo.js';
import { generateSpans, type SeedOptions } from '../../src/seed/generate.js';
import { SeedConflictError, seedDatabase } from '../../src/seed/seed-database.js';
import { PostgresDriver } from '../../src/storage/postgres.js';
import { copySpanRecords } from '../../src/storage/span-copy.js';
import type { SpanRecord } from '../../src/storage/span-record.js';
import { describeEachBackend, truncateSpans } from '../helpers/backends.js';

const END = new Date('2026-11-20T00:00:00.000Z');
const opts = (o: Partial<SeedOptions> = {}): SeedOptions => ({ rows: 400, projects: 3, days: 7, seed: 7, end: END, ...o });

describe('seed generator', () => {
  it('gives the same rows for the same seed, other rows for another seed', () => {
    const a = [...generateSpans(opts())];
    expect(a).toHaveLength(400);
    expect([...generateSpans(opts())]).toEqual(a);
    const other = [...generateSpans(opts({ seed: 8 }))];
    expect(other.map((r) => r.span_id)).not.toEqual(a.map((r) => r.span_id));
  });

  it('moves only the timestamps when --end moves', () => {
    const a = [...generateSpans(opts())];
    const b = [...generateSpans(opts({ end: new Date(END.getTime() + 3 * 3600_000) }))];
    expect(b.map(({ ts: _ts, session_id: _s, ...rest }) => rest)).toEqual(a.map(({ ts: _ts, session_id: _s, ...rest }) => rest));
  });

  it('keeps spans inside the time range and builds trace trees', () => {
    const rows = [...generateSpans(opts({ rows: 2000 }))];
    const start = END.getTime() - 7 * 86_400_000;
    const roots = rows.filter((r) => r.parent_span_id === null);
    for (const r of roots) {
      expect(Date.parse(r.ts)).toBeGreaterThanOrEqual(start);
      expect(Date.parse(r.ts)).toBeLessThan(END.getTime());
    }
    const ids = new Set(rows.map((r) => `${r.trace_id}/${r.span_id}`));
    const children = rows.filter((r) => r.parent_span_id !== null && r !== rows[rows.length - 1]);
    expect(children.length).toBeGreaterThan(200);
    for (const c of children.slice(0, -5)) expect(ids.has(`${c.trace_id}/${c.parent_span_id}`)).toBe(true);
    expect(new Set(rows.map((r) => r.project_id)).size).toBe(3);
    const errors = rows.filter((r) => r.status_code === 'ERROR').length / rows.length;
    expect(errors).toBeGreaterThan(0.005);
    expect(errors).toBeLessThan(0.06);
  });
});

const TRICKY = ['tab\there', 'line\nbreak\r\nend', 'back\\slash \\N \\t', '', 'ünïcödé 日本語 🚀', '100% of user_id', 'quote " and \' and {,}'];

function trickySpans(): SpanRecord[] {
  const [base] = [...generateSpans(opts({ rows: 1 }))];
  return TRICKY.map((text, i) => ({
    ...base!,
    span_id: `tricky-${i}`,
    input_text: text,
    output_text: i % 2 ? null : text,
    error_message: '\\N',
    tags: [text, 'plain', '"quoted"', 'back\\slash'],
    attributes: { text, nested: { list: [text, 1.5, true, null] } },
  }));
}

describeEachBackend('seeding', (backend) => {
  const db = () => backend().driver;
  beforeEach(async () => truncateSpans(db()));

  it('writes exactly the generated rows, then ANALYZE', async () => {
    // Two COPY streams on PostgreSQL: the row set must still be exactly the generated one.
    const res = await seedDatabase(db(), { ...opts({ rows: 300 }), batch: 64, jobs: 2 });
    expect(res).toMatchObject({ rows: 300, inserted: 300, method: backend().name === 'postgres' ? 'copy' : 'insert' });
    const stored = (
      await db().query<Record<string, unknown>>(
        `SELECT trace_id, span_id, input_text, output_text, total_cost_usd::text AS cost, tags, attributes, extract(epoch from ts) * 1000 AS ms
         FROM llm_traces ORDER BY trace_id, span_id`,
      )
    ).rows;
    const expected = [...generateSpans(opts({ rows: 300 }))]
      .sort((a, b) => (a.trace_id + a.span_id < b.trace_id + b.span_id ? -1 : 1))
      .map((r) => ({ trace_id: r.trace_id, span_id: r.span_id, input_text: r.input_text, output_text: r.output_text, cost: r.total_cost_usd, tags: r.tags, attributes: r.attributes, ms: Date.parse(r.ts) }));
    expect(stored.map((r) => ({ ...r, ms: Number(r.ms) }))).toEqual(expected);
  });

  it('stores tricky text exactly (tabs, newlines, backslashes, \\N, quotes, unicode)', async () => {
    const rows = trickySpans();
    const driver = db();
    if (driver instanceof PostgresDriver) {
      const client = await driver.pool.connect();
      try {
        await copySpanRecords(client, [rows.slice(0, 3), rows.slice(3)]);
      } finally {
        client.release();
      }
    } else {
      const { insertSpanRecords } = await import('../../src/storage/span-writer.js');
      await insertSpanRecords(driver, rows);
    }
    const stored = (
      await driver.query<Record<string, unknown>>(
        'SELECT span_id, input_text, output_text, error_message, tags, attributes FROM llm_traces ORDER BY span_id',
      )
    ).rows;
    expect(stored).toEqual(
      rows.map((r) => ({ span_id: r.span_id, input_text: r.input_text, output_text: r.output_text, error_message: '\\N', tags: r.tags, attributes: r.attributes })),
    );
  });

  it('refuses to load the same seed twice through COPY, and the insert path skips what exists', async () => {
    await seedDatabase(db(), { ...opts({ rows: 50 }), batch: 20 });
    if (backend().name === 'postgres') {
      await expect(seedDatabase(db(), { ...opts({ rows: 50 }), batch: 20 })).rejects.toBeInstanceOf(SeedConflictError);
    }
    const again = await seedDatabase(db(), { ...opts({ rows: 80 }), batch: 20, insert: true });
    expect(again).toMatchObject({ rows: 80, inserted: 30, method: 'insert' });
    expect((await db().query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces')).rows[0]!.n).toBe(80);
  });

  it('never loads the demo data set into a database named by DATABASE_URL, whatever DEMO_DATA says', async () => {
    const real = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/anything', JWT_SECRET: 'x'.repeat(32) };
    expect(await loadDemoDataIfEmpty(db(), configWith({ ...real, DEMO_DATA: 'true' }))).toBe(0);
    expect(await loadDemoDataIfEmpty(db(), configWith(real))).toBe(0);
    expect((await db().query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces')).rows[0]!.n).toBe(0);
  });

  it('loads the demo data set only into an empty embedded-engine table, and only when enabled', async () => {
    expect(await loadDemoDataIfEmpty(db(), configWith({ DEMO_DATA: 'false' }))).toBe(0);
    expect(await loadDemoDataIfEmpty(db(), configWith({}))).toBe(DEMO.rows);
    expect(await loadDemoDataIfEmpty(db(), configWith({}))).toBe(0);
    const projects = await db().query('SELECT DISTINCT project_id FROM llm_traces');
    expect(projects.rows).toHaveLength(DEMO.projects);
    const newest = await db().query<{ age_h: number }>('SELECT extract(epoch from now() - max(ts)) / 3600 AS age_h FROM llm_traces WHERE parent_span_id IS NULL');
    expect(Number(newest.rows[0]!.age_h)).toBeLessThan(24);
  });
});
