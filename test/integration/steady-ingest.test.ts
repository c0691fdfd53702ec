// Steady ingest on both engines: the background merger empties the GIN
// pending lists of llm_traces, migration 0006's error-message trigram index
// holds only rows with a message and still serves substring filters, and the
// doctor reports a GIN index with fast update off, or a pending list near its
// limit, with a fix that works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/doctor/check.js';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { isOff, reloption } from '../../src/doctor/steady-ingest.js';
import { GinPendingMerger } from '../../src/storage/gin-merger.js';
import { describeEachBackend, openBackend, type Backend } from '../helpers/backends.js';
import { TEST_SHAPES } from '../helpers/doctor-shapes.js';
import { insertSpans, span } from '../helpers/spans.js';
import { leafIndex } from '../helpers/partitions.js';

const GIN_INDEXES = `
  SELECT c.relname AS name, c.reloptions AS options
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
   WHERE i.indrelid = 'llm_traces'::regclass AND a.amname = 'gin' ORDER BY 1`;

describeEachBackend('steady ingest: GIN indexes and their pending lists', (backend) => {
  const db = () => backend().driver;
  const check = async (subject: string): Promise<CheckResult> => {
    const r = await runDoctor(db(), { shapes: TEST_SHAPES });
    return r.results.find((x) => x.check === 'steady-ingest' && x.subject === subject)!;
  };

  it('no GIN index of llm_traces has fast update off after the migrations', async () => {
    const rows = (await db().query<{ name: string; options: string[] | null }>(GIN_INDEXES)).rows;
    // The three full-text vectors, three trigram indexes and tags at least (later migrations may add more).
    expect(rows.length).toBeGreaterThanOrEqual(7);
    for (const r of rows) expect(isOff(reloption(r.options, 'fastupdate')), r.name).toBe(false);
    expect((await check('GIN fast update')).status).toBe('pass');
  });

  it('the background merger empties every pending list, and a second pass finds nothing', async () => {
    await insertSpans(db(), Array.from({ length: 120 }, (_, i) => span({ input_text: `merge prompt ${i} about invoices`, output_text: `answer ${i}`, tags: ['rag'] })));
    const merger = new GinPendingMerger(db(), 0);
    const first = await merger.mergeOnce();
    expect(first.ran).toBe(true);
    expect(Object.keys(first.pages)).toEqual(expect.arrayContaining(['llm_traces_search_tsv_idx', 'llm_traces_input_text_trgm_idx', 'llm_traces_tags_idx']));
    expect(Object.values(first.pages).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const second = await merger.mergeOnce();
    expect(Object.values(second.pages).every((p) => p === 0)).toBe(true);
  });

  it('indexes only error messages that exist, and a substring filter still reads that index', async () => {
    await insertSpans(db(), Array.from({ length: 40 }, (_, i) => span({ error_message: i % 8 ? null : `Rate limit reached for request ${i}` })));
    const def = (await db().query<{ d: string }>(`SELECT pg_get_indexdef('llm_traces_error_message_trgm_idx'::regclass) AS d`)).rows[0]!.d;
    expect(def).toMatch(/WHERE \(?error_message IS NOT NULL\)?/);
    // The compiler's SQL (`error_message COLLATE "C" ILIKE $1`) implies the predicate.
    const plan = await db().transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      const res = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT id FROM llm_traces WHERE error_message COLLATE "C" ILIKE $1`, ['%limit%']);
      return res.rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    // The index of the partition that holds these spans.
    expect(plan).toContain(await leafIndex(db(), 'llm_traces_error_message_trgm_idx', span().ts));
    const hits = await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM llm_traces WHERE error_message COLLATE "C" ILIKE $1`, ['%LIMIT reached%']);
    expect(hits.rows[0]!.n).toBe(5);
  });

  it('warns when a GIN index has fast update off, and its fix clears the warning', async () => {
    await db().query('CREATE INDEX llm_traces_steady_extra_idx ON llm_traces USING gin (output_tsv) WITH (fastupdate = off)');
    // Storage options belong to each partition's index.
    await db().query(`ALTER INDEX ${await leafIndex(db(), 'llm_traces_tags_idx')} SET (fastupdate = off)`);
    const warn = await check('GIN fast update');
    expect(warn.status).toBe('warn');
    expect(warn.details).toEqual(['llm_traces_steady_extra_idx', 'llm_traces_tags_idx']);
    // Run the printed fix statement by statement (one per line).
    for (const stmt of warn.fix!.split('\n')) await db().query(stmt);
    expect((await check('GIN fast update')).status).toBe('pass');
    await db().query('DROP INDEX llm_traces_steady_extra_idx');
  });

  it('says what it knows about pending lists and autovacuum on this engine', async () => {
    const pending = await check('GIN pending lists');
    const vacuum = await check('llm_traces autovacuum');
    if (backend().name === 'embedded') {
      expect(pending.status).toBe('skip');
      expect(vacuum.status).toBe('info');
    } else {
      // Without pgstattuple the doctor says how to get the figures instead of failing.
      expect(['skip', 'pass']).toContain(pending.status);
      if (pending.status === 'skip') expect(pending.message).toMatch(/CREATE EXTENSION pgstattuple/);
      expect(['pass', 'warn']).toContain(vacuum.status);
    }
  });
});

// pgstattuple is a PostgreSQL contrib module; the embedded engine has none (the skip above).
describe('steady ingest: pending lists measured with pgstattuple [postgres]', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await openBackend('postgres');
  });
  afterAll(async () => {
    await backend?.close();
  });
  const db = () => backend.driver;
  const pendingCheck = async () => {
    const r = await runDoctor(db(), { shapes: TEST_SHAPES });
    return r.results.find((x) => x.check === 'steady-ingest' && x.subject === 'GIN pending lists')!;
  };

  it('warns about a list near its limit, which the merger (or the printed fix) empties', async () => {
    await db().query('CREATE EXTENSION IF NOT EXISTS pgstattuple');
    // A small limit for one index, so a few hundred rows (about 300 kB of trigrams) fill over half of it without overflowing.
    const leaf = await leafIndex(db(), 'llm_traces_input_text_trgm_idx', span().ts);
    await db().query(`ALTER INDEX ${leaf} SET (gin_pending_list_limit = 512)`);
    await insertSpans(db(), Array.from({ length: 300 }, (_, i) => span({ input_text: `pending words ${i} ${'alpha beta gamma delta epsilon '.repeat(4)}` })));
    const full = await pendingCheck();
    expect(full.status, JSON.stringify(full.details)).toBe('warn');
    expect(full.fix).toContain(`gin_clean_pending_list('${leaf}'::regclass)`);
    const merged = await new GinPendingMerger(db(), 0).mergeOnce();
    expect(merged.pages.llm_traces_input_text_trgm_idx).toBeGreaterThan(0);
    const clean = await pendingCheck();
    expect(clean.status).toBe('pass');
    expect((clean.data!.indexes as { pages: number }[]).every((i) => i.pages === 0)).toBe(true);
    await db().query(`ALTER INDEX ${leaf} RESET (gin_pending_list_limit)`);
  });
});
