// The export suite: every row of the benchmark database through
// POST /api/v1/traces/export as NDJSON and as CSV, next to the floor, the
// same SELECT run by PostgreSQL alone through `psql -c "COPY (...) TO STDOUT"`
// in the same run. Rows/s for both; the server's peak RSS during each export
// against its RSS when idle (Linux: /proc/<pid>/status, peak reset through
// clear_refs before each export).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { lineSql } from '../../src/export/line-sql.js';
import { FIELDS } from '../../src/query/fields.js';
import { searchRequestFromBody } from '../../src/traces/search-request.js';
import { buildPageSql } from '../../src/traces/page-sql.js';
import type { ApiServer } from './api-server.js';
import { principalFromClaims } from '../../src/auth/tokens.js';
import { benchClaims } from './shape-sql.js';

export interface ExportCase {
  format: 'ndjson' | 'csv';
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerS: number;
  floor: { rows: number; bytes: number; seconds: number; rowsPerS: number };
  ratio: number;
  idleRssMb: number;
  peakRssMb: number;
  /** Peak over idle. */
  rssGrowthMb: number;
  pass: boolean;
}

export const EXPORT_MIN_RATIO = 0.5;
export const EXPORT_MAX_RSS_GROWTH_MB = 100;

const mb = (kb: number) => Math.round(kb / 1024);

function procStatusKb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** The SQL the export runs for an admin and an empty request: it has no parameters, so psql can run it as is. */
export function exportFloorSql(format: 'ndjson' | 'csv'): string {
  const req = searchRequestFromBody({}, principalFromClaims({ ...benchClaims(null), exp: 0 }));
  const { sql, params } = buildPageSql(req, { from: null, to: null }, null, { select: lineSql(format, FIELDS), limit: null, keyset: false });
  if (params.length > 0) throw new Error('the export floor needs a parameterless query');
  return sql;
}

/** Runs psql COPY to a counting sink; rows are lines (no line of the export SQL holds a raw newline in NDJSON; CSV counts records by the API's count). */
async function floor(dbUrl: string, sql: string): Promise<{ bytes: number; seconds: number }> {
  const started = performance.now();
  const child = spawn('psql', [dbUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `COPY (${sql}) TO STDOUT`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let bytes = 0;
  child.stdout.on('data', (d: Buffer) => (bytes += d.length));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`psql exited with ${code}`);
  return { bytes, seconds: (performance.now() - started) / 1000 };
}

/** One export over a real socket, read as fast as the client can; counts rows as lines (NDJSON) or records (CSV, minus the header). */
async function exportOnce(server: ApiServer, jwt: string, format: 'ndjson' | 'csv', filter?: object): Promise<{ rows: number; bytes: number; seconds: number }> {
  const url = new URL('/api/v1/traces/export', server.baseUrl);
  const payload = JSON.stringify({ format, ...(filter ? { filter } : {}) });
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`export answered ${res.statusCode}`));
      let bytes = 0;
      let newlines = 0;
      let inQuotes = false;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (format === 'ndjson') {
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
          return;
        }
        // CSV: a record ends at a newline outside quotes. Jumps between quotes
        // and newlines with indexOf (native) rather than a JavaScript loop over
        // every byte: the client shares the machine with the server it measures.
        let i = 0;
        let nl = chunk.indexOf(10);
        while (i < chunk.length) {
          const q = chunk.indexOf(34, i);
          if (inQuotes) {
            if (q === -1) break;
            inQuotes = false;
            i = q + 1;
            continue;
          }
          if (nl !== -1 && nl < i) nl = chunk.indexOf(10, i);
          if (nl !== -1 && (q === -1 || nl < q)) {
            newlines++;
            i = nl + 1;
            continue;
          }
          if (q === -1) break;
          inQuotes = true;
          i = q + 1;
        }
      });
      res.on('end', () => resolve({ rows: format === 'csv' ? newlines - 1 : newlines, bytes, seconds: (performance.now() - started) / 1000 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export async function exportSuite(o: { server: ApiServer; jwt: string; dbUrl: string; log: (m: string) => void }): Promise<ExportCase[]> {
  const pid = o.server.child.pid!;
  const out: ExportCase[] = [];
  // Warm-up: the export code paths compiled (a small export: the slowest spans).
  for (const format of ['ndjson', 'csv'] as const) await exportOnce(o.server, o.jwt, format, { field: 'duration_ms', operator: 'gte', value: 60_000 });
  for (const format of ['ndjson', 'csv'] as const) {
    await new Promise((r) => setTimeout(r, 1000));
    const idleKb = procStatusKb(pid, 'VmRSS');
    // Resets VmHWM to the current RSS, so the peak read afterwards is this export's.
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    let sampledPeakKb = idleKb;
    const sampler = setInterval(() => (sampledPeakKb = Math.max(sampledPeakKb, procStatusKb(pid, 'VmRSS'))), 20);
    const api = await exportOnce(o.server, o.jwt, format);
    clearInterval(sampler);
    const peakKb = Math.max(sampledPeakKb, procStatusKb(pid, 'VmHWM'));
    const f = await floor(o.dbUrl, exportFloorSql(format));
    const floorRowsPerS = api.rows / f.seconds;
    const c: ExportCase = {
      format,
      rows: api.rows,
      bytes: api.bytes,
      seconds: round(api.seconds),
      rowsPerS: Math.round(api.rows / api.seconds),
      floor: { rows: api.rows, bytes: f.bytes, seconds: round(f.seconds), rowsPerS: Math.round(floorRowsPerS) },
      ratio: round(api.rows / api.seconds / floorRowsPerS),
      idleRssMb: mb(idleKb),
      peakRssMb: mb(peakKb),
      rssGrowthMb: mb(peakKb - idleKb),
      pass: false,
    };
    c.pass = c.ratio >= EXPORT_MIN_RATIO && c.rssGrowthMb <= EXPORT_MAX_RSS_GROWTH_MB;
    o.log(
      `  ${format}: ${c.rows} rows in ${c.seconds} s = ${c.rowsPerS} rows/s; floor ${c.floor.rowsPerS} rows/s (${c.floor.seconds} s): ${c.ratio}x; RSS idle ${c.idleRssMb} MB, peak ${c.peakRssMb} MB (+${c.rssGrowthMb}) ${c.pass ? 'PASS' : 'FAIL'}`,
    );
    out.push(c);
  }
  return out;
}

const round = (n: number) => Math.round(n * 100) / 100;

export function exportMarkdown(cases: readonly ExportCase[]): string[] {
  if (cases.length === 0) return [];
  const lines = [
    '',
    `Export (every row, admin scope, sort ts desc): API over a socket vs. \`psql -c "COPY (<the same SELECT>) TO STDOUT"\`; goal at least ${EXPORT_MIN_RATIO}x the floor's rows/s and peak RSS within ${EXPORT_MAX_RSS_GROWTH_MB} MB of idle.`,
    '',
    '| format | rows | MB | API s | API rows/s | floor s | floor rows/s | ratio | RSS idle MB | RSS peak MB | growth MB | result |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const c of cases) {
    lines.push(
      `| ${c.format} | ${c.rows} | ${Math.round(c.bytes / 2 ** 20)} | ${c.seconds} | ${c.rowsPerS} | ${c.floor.seconds} | ${c.floor.rowsPerS} | ${c.ratio} | ${c.idleRssMb} | ${c.peakRssMb} | ${c.rssGrowthMb} | ${c.pass ? 'pass' : 'FAIL'} |`,
    );
  }
  return lines;
}
