// What the indexes of one migration (0007, the every-field indexes, unless
// --migration names another) cost ingest, in one run:
// two databases with the same schema except those indexes, the same spans
// loaded into each (COPY through `tracelens seed`), then HTTP ingest
// (benches/ingest.ts) against one server per database, taking turns so that
// noise on a shared machine hits both alike.
//
//   npx tsx benches/ingest-index-cost.ts [--prefix tracelens_ingest_cost] [--rows 100000] [--spans 20000] [--rounds 2] [--leave-out a,b]
//     [--migration 0012-id-and-attribute-match-indexes]
// --leave-out: the migration's indexes dropped from both databases (the cost of the others).
// --migration: whose indexes the database "without" lacks; for 0012 it also
// lacks the triggers that fill the side table of attribute numbers (their
// cost is part of that index path).
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { expectedIndexes } from '../src/doctor/expected-indexes.js';
import { startApi } from './harness/api-server.js';

const { values: f } = parseArgs({
  options: {
    prefix: { type: 'string', default: 'tracelens_ingest_cost' },
    rows: { type: 'string', default: '100000' },
    spans: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '2' },
    'leave-out': { type: 'string', default: '' },
    migration: { type: 'string', default: '0007-every-field-indexes' },
  },
});
const BIN = fileURLToPath(new URL('../bin/tracelens.js', import.meta.url));
const INGEST = fileURLToPath(new URL('./ingest.ts', import.meta.url));
const secret = 'ingest-index-cost-secret-'.padEnd(48, 'x');
const base = process.env.ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432';
const LEAVE_OUT = (f['leave-out'] ?? '').split(',').filter((n) => n !== '');
const NEW = expectedIndexes().filter((i) => i.migration === f.migration).map((i) => i.name);
if (NEW.length === 0) throw new Error(`migration ${f.migration} creates no index`);
/** What else the database without the migration's index paths lacks (not an index, but what they cost ingest). */
const EXTRA_DROP: Readonly<Record<string, readonly string[]>> = {
  '0012-id-and-attribute-match-indexes': [
    'DROP TRIGGER llm_traces_attribute_numbers_insert ON llm_traces',
    'DROP TRIGGER llm_traces_attribute_numbers_update ON llm_traces',
  ],
};

const dbs = [
  { name: `${f.prefix}_without`, drop: true },
  { name: `${f.prefix}_with`, drop: false },
];

function cli(args: string[], url: string): string {
  return execFileSync(process.execPath, [BIN, ...args], { env: { ...process.env, DATABASE_URL: url, JWT_SECRET: secret, DB_STATEMENT_TIMEOUT_MS: '0' }, encoding: 'utf8' });
}

const results: Record<string, { copyRowsPerS: number; httpSpansPerS: number[] }> = {};
for (const db of dbs) {
  spawnSync('dropdb', ['-h', '127.0.0.1', '-U', 'postgres', '--if-exists', db.name]);
  execFileSync('createdb', ['-h', '127.0.0.1', '-U', 'postgres', db.name]);
  const url = `${base}/${db.name}`;
  cli(['migrate'], url);
  if (db.drop) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    for (const name of NEW) await c.query(`DROP INDEX ${name}`);
    for (const sql of EXTRA_DROP[f.migration] ?? []) await c.query(sql);
    await c.end();
  } else if (LEAVE_OUT.length > 0) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    for (const name of LEAVE_OUT) await c.query(`DROP INDEX ${name}`);
    await c.end();
  }
}
// Same spans (same seed and end) into both, alternating, COPY rate from the seeder.
const end = new Date().toISOString();
for (const db of dbs) {
  const t0 = performance.now();
  cli(['seed', '--rows', f.rows, '--jobs', '1', '--end', end], `${base}/${db.name}`);
  results[db.name] = { copyRowsPerS: Math.round(Number(f.rows) / ((performance.now() - t0) / 1000)), httpSpansPerS: [] };
}
const servers = await Promise.all(dbs.map((db) => startApi({ DATABASE_URL: `${base}/${db.name}`, JWT_SECRET: secret, CACHE_ENABLED: 'false' })));
try {
  for (let round = 0; round < Number(f.rounds); round++) {
    for (const [i, db] of dbs.entries()) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', INGEST, '--url', servers[i]!.baseUrl, '--spans', f.spans], {
        env: { ...process.env, JWT_SECRET: secret },
        encoding: 'utf8',
      });
      const rate = (JSON.parse(out.slice(out.indexOf('{'))) as { new_spans_per_s: number }).new_spans_per_s;
      results[db.name]!.httpSpansPerS.push(rate);
      process.stderr.write(`round ${round + 1} ${db.name}: ${rate} spans/s\n`);
    }
  }
} finally {
  await Promise.all(servers.map((s) => s.stop()));
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const [without, withIdx] = dbs.map((d) => results[d.name]!);
console.log(
  JSON.stringify(
    {
      migration: f.migration,
      indexes: NEW.filter((n) => !LEAVE_OUT.includes(n)),
      load_average: (await import('node:os')).loadavg().map((x) => Math.round(x * 100) / 100),
      rows: Number(f.rows),
      spans: Number(f.spans),
      results,
      copy_ratio: Math.round((withIdx!.copyRowsPerS / without!.copyRowsPerS) * 100) / 100,
      http_ratio: Math.round((mean(withIdx!.httpSpansPerS) / mean(without!.httpSpansPerS)) * 100) / 100,
    },
    null,
    2,
  ),
);
