// The generated selectivity-adversarial suite (src/perf/shape-generator.ts):
// every (field, operator) pair with a common, a rare (spread and clustered in
// the oldest tenth) and an absent value, plus never-together pairs, through
// the real API, cold. A fixed number of requests per shape at a small
// concurrency, so hundreds of shapes fit in minutes; P95 and P99 are held to
// the latency table's row for the operator's query type.
import { generatedShapes, type GeneratedShape, type GeneratedValues } from '../../src/perf/shape-generator.js';
import { summarize, type LatencySummary } from './stats.js';
import { ENDPOINT_BOUNDS, TARGETS } from './targets.js';

export interface GeneratedCase {
  name: string;
  type: GeneratedShape['type'];
  variant: GeneratedShape['variant'];
  index: string | null;
  rows: number;
  latency: LatencySummary;
  pass: boolean;
}

export interface GeneratedSuiteOptions {
  baseUrl: string;
  jwt: string;
  values: GeneratedValues;
  samples: number;
  concurrency: number;
  /** Only shapes whose name contains this text. */
  only?: string;
  log: (m: string) => void;
}

async function post(o: GeneratedSuiteOptions, body: string): Promise<{ ms: number; ok: boolean; rows: number }> {
  const t0 = performance.now();
  const res = await fetch(`${o.baseUrl}/api/v1/traces/search`, {
    method: 'POST',
    headers: { authorization: `Bearer ${o.jwt}`, 'content-type': 'application/json' },
    body,
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (!res.ok) return { ms, ok: false, rows: 0 };
  return { ms, ok: true, rows: (JSON.parse(text) as { data: unknown[] }).data.length };
}

export async function generatedSuite(o: GeneratedSuiteOptions): Promise<GeneratedCase[]> {
  const out: GeneratedCase[] = [];
  const shapes = generatedShapes(o.values).filter((s) => o.only === undefined || s.name.includes(o.only));
  for (const shape of shapes) {
    const body = JSON.stringify(shape.body);
    const first = await post(o, body); // warm-up; also the row count
    const samples: number[] = [];
    let errors = first.ok ? 0 : 1;
    const started = performance.now();
    let left = o.samples;
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        while (left-- > 0) {
          const r = await post(o, body);
          if (r.ok) samples.push(r.ms);
          else errors++;
        }
      }),
    );
    const latency = summarize(samples, (performance.now() - started) / 1000, errors);
    const t = TARGETS[shape.type];
    const pass = errors === 0 && latency.p95 <= Math.min(t.p95, ENDPOINT_BOUNDS.p95) && latency.p99 <= Math.min(t.p99, ENDPOINT_BOUNDS.p99);
    const index = shape.index === null ? null : String(shape.index);
    out.push({ name: shape.name, type: shape.type, variant: shape.variant, index, rows: first.rows, latency, pass });
    if (!pass) o.log(`  FAIL ${shape.name}: p95 ${latency.p95} p99 ${latency.p99} ms (target ${t.p95}/${t.p99}), ${first.rows} rows, ${errors} errors`);
  }
  const failed = out.filter((c) => !c.pass).length;
  o.log(`  generated: ${out.length} shapes, ${out.length - failed} pass, ${failed} fail`);
  return out;
}

export function generatedMarkdown(cases: readonly GeneratedCase[], scope: string): string {
  const lines = [
    `## Generated selectivity-adversarial suite (${scope})`,
    '',
    `${cases.filter((c) => c.pass).length} of ${cases.length} shapes within the latency table.`,
    '',
    '| shape | type | rows | p50 ms | p95 ms | p99 ms | target p95/p99 | pass |',
    '|---|---|---:|---:|---:|---:|---|---|',
    ...cases.map((c) => {
      const t = TARGETS[c.type];
      return `| \`${c.name}\` | ${c.type} | ${c.rows} | ${c.latency.p50} | ${c.latency.p95} | ${c.latency.p99} | ${t.p95}/${t.p99} | ${c.pass ? 'yes' : '**no**'} |`;
    }),
    '',
  ];
  return lines.join('\n');
}
