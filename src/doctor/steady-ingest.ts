// The state that made throughput fall off a cliff under continuous ingest
// (docs/performance.md, "Ingest and search together"): GIN pending lists that
// grow to their limit because nothing merges them (the service's background
// merger off or not running, autovacuum off or behind), so every search
// through them scans them; and GIN indexes with fast update switched off,
// whose inserts serialize on hot pages under concurrent ingest.
import { TABLE } from '../query/fields.js';
import { LEAF_INDEXES } from './partition-names.js';
import { ADMIN, quoteIdent, type CheckFamily, type CheckResult, type DoctorDb } from './check.js';
import { formatBytes } from './format-bytes.js';

/** A pending list over this share of its limit is about to be merged by an unlucky insert. */
export const PENDING_WARN_SHARE = 0.5;
/** Pending pages that are worth a warning even far below a large limit (scanned by every search: 1 MB). */
export const PENDING_WARN_PAGES = 128;
/** Autovacuum that has not run for this long while its insert trigger was passed has fallen behind. */
export const VACUUM_LAG_HOURS = 24;

interface GinIndex {
  /** The partition's own index (or the table's, unpartitioned): where storage options live. */
  name: string;
  /** The schema index it belongs to. */
  root: string;
  options: string[] | null;
}

/** The value of a storage parameter in pg_class.reloptions ("name=value"), if set. */
export function reloption(options: readonly string[] | null, name: string): string | null {
  const hit = options?.find((o) => o.toLowerCase().startsWith(`${name}=`));
  return hit ? hit.slice(name.length + 1) : null;
}

/** PostgreSQL's boolean spellings for reloptions: off, false, no, 0 and their prefixes. */
export function isOff(value: string | null): boolean {
  return value !== null && /^(of|off|f|fa|fal|fals|false|n|no|0)$/i.test(value.trim());
}

async function ginIndexes(db: DoctorDb): Promise<GinIndex[]> {
  const res = await db.query<GinIndex>(
    // The partitions' own indexes: storage options live there, not on the partitioned index.
    `SELECT l.leaf AS name, l.name AS root, l.options FROM (${LEAF_INDEXES}) l WHERE l.method = 'gin' ORDER BY l.leaf`,
    [TABLE],
    ADMIN,
  );
  return res.rows;
}

function fastUpdate(indexes: readonly GinIndex[]): CheckResult {
  const off = indexes.filter((i) => isOff(reloption(i.options, 'fastupdate')));
  const offRoots = [...new Set(off.map((i) => i.root))].sort();
  const base = { check: 'steady-ingest', subject: 'GIN fast update' };
  if (off.length === 0) {
    return { ...base, status: 'pass', message: `all ${new Set(indexes.map((i) => i.root)).size} GIN indexes of ${TABLE} batch new entries (fast update on, merged in the background)` };
  }
  return {
    ...base,
    status: 'warn',
    message:
      `${offRoots.length} GIN index(es) of ${TABLE} have fast update off (on ${off.length} partition(s)): every insert writes each key into the index at once, ` +
      `and concurrent ingest serializes on the hot posting-tree pages (measured: from 719 to 10 spans/s)`,
    details: offRoots,
    // Storage options are set on each partition's index (a partitioned index has none).
    fix: off.map((i) => `ALTER INDEX ${quoteIdent(i.name)} RESET (fastupdate);`).join('\n'),
    data: { indexes: offRoots, partitionIndexes: off.map((i) => i.name) },
  };
}

async function pendingLists(db: DoctorDb, indexes: readonly GinIndex[]): Promise<CheckResult> {
  const base = { check: 'steady-ingest', subject: 'GIN pending lists' };
  const installed = (await db.query<{ ok: boolean }>(`SELECT to_regproc('pgstatginindex') IS NOT NULL AS ok`, [], ADMIN)).rows[0]?.ok;
  if (!installed) {
    return {
      ...base,
      status: 'skip',
      message:
        db.engine === 'embedded'
          ? 'pending lists are not measured on the embedded engine (no pgstattuple); the fast-update setting above is what keeps them empty'
          : 'pending lists not measured: the pgstattuple extension is not installed (CREATE EXTENSION pgstattuple; to see them)',
    };
  }
  // pg_settings gives the server-wide limit in kB; an index's own limit is a reloption, also in kB.
  const limitKb = Number((await db.query<{ v: string }>(`SELECT setting AS v FROM pg_settings WHERE name = 'gin_pending_list_limit'`, [], ADMIN)).rows[0]!.v);
  const res = await db.query<{ name: string; pages: number; tuples: number }>(
    `SELECT l.leaf AS name, s.pending_pages AS pages, s.pending_tuples::float8 AS tuples
       FROM (${LEAF_INDEXES}) l, LATERAL pgstatginindex(l.oid) s
      WHERE l.method = 'gin' ORDER BY l.leaf`,
    [TABLE],
    ADMIN,
  );
  const pageSize = 8192;
  const rows = res.rows.map((r) => {
    const own = Number(reloption(indexes.find((i) => i.name === r.name)?.options ?? null, 'gin_pending_list_limit'));
    const limit = (Number.isFinite(own) && own > 0 ? own : limitKb) * 1024;
    return { ...r, bytes: r.pages * pageSize, limit };
  });
  const full = rows.filter((r) => r.pages > 0 && (r.bytes >= PENDING_WARN_SHARE * r.limit || r.pages >= PENDING_WARN_PAGES));
  // One line per index with a list (a partitioned table has one index per partition).
  const details = rows.filter((r) => r.pages > 0).map((r) => `${r.name}: ${r.pages} pending pages (${formatBytes(r.bytes)} of ${formatBytes(r.limit)}), ${r.tuples.toLocaleString('en-US')} entries`);
  if (full.length === 0) {
    return { ...base, status: 'pass', message: `pending lists small (${rows.reduce((a, r) => a + r.pages, 0)} pages in all)`, details, data: { indexes: rows } };
  }
  return {
    ...base,
    status: 'warn',
    message:
      `${full.length} GIN pending list(s) near their limit: every search through ${full.length === 1 ? 'that index' : 'those indexes'} scans them, and the insert that overflows one merges it ` +
      `(is the service's background merge running? GIN_MERGE_INTERVAL_MS)`,
    details,
    fix: full.map((r) => `SELECT gin_clean_pending_list('${quoteIdent(r.name)}'::regclass);`).join('\n'),
    data: { indexes: rows },
  };
}

interface VacuumState {
  autovacuum: string;
  options: string[] | null;
  reltuples: number;
  ins_since_vacuum: number | null;
  last_vacuum: string | null;
  hours_since_vacuum: number | null;
  threshold: number;
  scale_factor: number;
}

async function autovacuum(db: DoctorDb): Promise<CheckResult> {
  const base = { check: 'steady-ingest', subject: `${TABLE} autovacuum` };
  if (db.engine === 'embedded') {
    return {
      ...base,
      status: 'info',
      message: 'the embedded engine has no autovacuum: planner statistics and the visibility map are refreshed by tracelens maintain',
    };
  }
  const s = (
    await db.query<VacuumState>(
      `SELECT current_setting('autovacuum') AS autovacuum, c.reloptions AS options, greatest(c.reltuples, 0)::float8 AS reltuples,
              (to_jsonb(s) ->> 'n_ins_since_vacuum')::float8 AS ins_since_vacuum,
              greatest(s.last_vacuum, s.last_autovacuum)::text AS last_vacuum,
              (extract(epoch FROM now() - greatest(s.last_vacuum, s.last_autovacuum)) / 3600)::float8 AS hours_since_vacuum,
              current_setting('autovacuum_vacuum_insert_threshold')::float8 AS threshold,
              current_setting('autovacuum_vacuum_insert_scale_factor')::float8 AS scale_factor
         FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = $1::regclass`,
      [TABLE],
      ADMIN,
    )
  ).rows[0]!;
  const fix = `VACUUM (ANALYZE) ${TABLE};  -- or: tracelens maintain (and schedule it while autovacuum is off)`;
  if (s.autovacuum !== 'on' || isOff(reloption(s.options, 'autovacuum_enabled'))) {
    return {
      ...base,
      status: 'warn',
      message:
        `autovacuum is off ${s.autovacuum !== 'on' ? 'on this server' : `for ${TABLE} (autovacuum_enabled = off)`}: ` +
        `nothing refreshes the planner statistics or the visibility map as spans arrive (last vacuum ${s.last_vacuum ?? 'never'})`,
      fix,
      data: { ...s },
    };
  }
  const own = (name: string) => {
    const v = reloption(s.options, name);
    return v !== null && Number.isFinite(Number(v)) ? Number(v) : null;
  };
  const trigger = (own('autovacuum_vacuum_insert_threshold') ?? s.threshold) + (own('autovacuum_vacuum_insert_scale_factor') ?? s.scale_factor) * s.reltuples;
  const behind = s.ins_since_vacuum !== null && s.ins_since_vacuum > 2 * trigger && (s.hours_since_vacuum === null || s.hours_since_vacuum > VACUUM_LAG_HOURS);
  if (behind) {
    return {
      ...base,
      status: 'warn',
      message:
        `${s.ins_since_vacuum!.toLocaleString('en-US')} rows inserted and no vacuum for ${s.hours_since_vacuum === null ? 'ever' : `${s.hours_since_vacuum.toFixed(0)} h`}, ` +
        `though autovacuum's insert trigger is ${Math.round(trigger).toLocaleString('en-US')} rows: it is not keeping up (workers busy elsewhere, or blocked)`,
      fix,
      data: { ...s, trigger },
    };
  }
  return { ...base, status: 'pass', message: `autovacuum on; last vacuum ${s.last_vacuum ?? 'never'}`, data: { ...s, trigger } };
}

export const steadyIngest: CheckFamily = {
  id: 'steady-ingest',
  async run({ db }) {
    const indexes = await ginIndexes(db);
    return [fastUpdate(indexes), await pendingLists(db, indexes), await autovacuum(db)];
  },
};
