// The markdown table of a run: one row per query type and variant, with the
// target it is held to, then the cache comparison; and the files every suite
// writes its results to.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { DatabaseInfo } from './prepare.js';
import type { LatencySummary } from './stats.js';
import { TARGETS, WARM_CACHE_MIN_RATIO } from './targets.js';
import type { RedisFrozenResult } from './redis-frozen.js';
import { exportMarkdown, type ExportCase } from './export-suite.js';

export interface CaseResult {
  type: keyof typeof TARGETS;
  variant: string;
  index: string;
  note: string;
  http: LatencySummary & { statuses: Record<string, number> };
  floor: LatencySummary;
  /** API req/s over floor req/s at the same concurrency. */
  ratio: number;
  pass: boolean;
}

export interface CacheResult {
  query: string;
  cold: LatencySummary;
  warm: LatencySummary;
  ratio: number;
  pass: boolean;
}

export interface Report {
  started: string;
  command: string;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  cases: CaseResult[];
  cache: CacheResult | null;
  redisFrozen: RedisFrozenResult | null;
  exports?: ExportCase[];
}

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');

export function markdownReport(r: Report): string {
  const lines = [
    `## Benchmark ${r.started}`,
    '',
    `\`${r.command}\``,
    '',
    `Machine: ${Object.entries(r.machine).map(([k, v]) => `${k} ${String(v)}`).join(', ')}.`,
    `Settings: ${Object.entries(r.settings).map(([k, v]) => `${k} ${String(v)}`).join(', ')}.`,
    '',
  ];
  if (r.cases.length > 0) {
    lines.push(
      '| query type | variant | P50 ms | P95 ms | P99 ms | req/s | floor req/s | floor P95 ms | ratio to floor | target P95 / P99 ms | result |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const c of r.cases) {
      const t = TARGETS[c.type];
      const errs = c.http.errors > 0 ? ` (${c.http.errors} errors)` : '';
      lines.push(
        `| ${c.type} | ${c.variant} | ${ms(c.http.p50)} | ${ms(c.http.p95)} | ${ms(c.http.p99)} | ${Math.round(c.http.rps)} | ${Math.round(c.floor.rps)} | ${ms(c.floor.p95)} | ${c.ratio.toFixed(2)} | ${t.p95} / ${t.p99} | ${c.pass ? 'pass' : 'FAIL'}${errs} |`,
      );
    }
    const failed = r.cases.filter((c) => !c.pass).length;
    lines.push('', `${r.cases.length - failed} of ${r.cases.length} cases pass their P95 and P99 bounds.`);
  }
  if (r.cache) {
    lines.push(
      '',
      `Cache (${r.cache.query}): cold ${Math.round(r.cache.cold.rps)} req/s (P95 ${ms(r.cache.cold.p95)} ms), warm ${Math.round(r.cache.warm.rps)} req/s (P95 ${ms(r.cache.warm.p95)} ms): ${r.cache.ratio.toFixed(2)}x, ${r.cache.pass ? 'pass' : 'FAIL'} (at least ${WARM_CACHE_MIN_RATIO}x).`,
    );
  }
  if (r.redisFrozen) {
    const z = r.redisFrozen;
    lines.push(
      '',
      `Redis frozen (SIGSTOP) under load, every request a cache miss: P95 ${ms(z.healthy.p95)} ms with Redis answering, ${ms(z.frozen.p95)} ms frozen: ${ms(z.addedP95)} ms added (${z.frozen.errors} errors).`,
    );
  }
  lines.push(...exportMarkdown(r.exports ?? []));
  return `${lines.join('\n')}\n`;
}

/** The host a run measured on, with the database it ran against. */
export function machineInfo(db: DatabaseInfo) {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, ...db };
}

/**
 * Writes <out>/<prefix><started>.json (the report) and .md, prints the
 * markdown, and returns the path without its extension.
 */
export function writeReport(out: string, prefix: string, started: Date, report: unknown, md: string): string {
  mkdirSync(out, { recursive: true });
  const stem = `${out}/${prefix}${started.toISOString().replace(/[:.]/g, '-')}`;
  writeFileSync(`${stem}.json`, JSON.stringify(report, null, 2));
  writeFileSync(`${stem}.md`, md);
  process.stdout.write(md);
  return stem;
}
