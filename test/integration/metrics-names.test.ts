// Every metric the alert rules and the Grafana dashboard query must really be
// exported by GET /metrics; a renamed metric otherwise turns an alert silently
// into one that can never fire. Dashboard expressions must also parse as PromQL.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueryMonitor } from '../../src/storage/observe.js';
import { bearer, buildTestApp } from '../helpers/app.js';
import { openBackend, type Backend } from '../helpers/backends.js';
import { exportedNames, promqlMetricNames } from '../helpers/prometheus.js';


/** The `expr:` values of a Prometheus rules file (single-line or block scalars). */
function ruleExpressions(yaml: string): string[] {
  const lines = yaml.split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!m) return;
    if (!/^[|>]-?$/.test(m[2]!)) return void out.push(m[2]!);
    const body: string[] = [];
    for (let j = i + 1; j < lines.length && (lines[j]!.trim() === '' || lines[j]!.search(/\S/) > m[1]!.length); j++) body.push(lines[j]!);
    out.push(body.join('\n'));
  });
  return out;
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

function dashboardExpressions(dashboard: { panels: Panel[] }): { title: string; expr: string }[] {
  const walk = (panels: Panel[]): { title: string; expr: string }[] =>
    panels.flatMap((p) => [
      ...(p.targets ?? []).flatMap((t) => (t.expr ? [{ title: p.title ?? '', expr: t.expr }] : [])),
      ...walk(p.panels ?? []),
    ]);
  return walk(dashboard.panels);
}

const rulesYaml = readFileSync(resolve('deploy/prometheus/alerts.yml'), 'utf8');
const dashboard = JSON.parse(readFileSync(resolve('deploy/grafana/tracelens-dashboard.json'), 'utf8'));

describe('metric names in alert rules and dashboard', () => {
  let backend: Backend;
  let app: FastifyInstance;
  let exported: Set<string>;

  beforeAll(async () => {
    // No schema needed: names come from the registry, not from data.
    backend = await openBackend('postgres', { migrate: false, observe: createQueryMonitor({ slowQueryMs: 0 }).observe });
    app = await buildTestApp(backend.driver);
    // Exercise the app a little so every code path that records metrics has run.
    await app.inject({ url: '/api/v1/traces/none', headers: await bearer({ role: 'viewer', projects: ['p'] }) });
    await app.inject({ url: '/no/such/route' });
    await app.inject({ url: '/health' });
    const res = await app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    exported = exportedNames(res.body);
  });
  afterAll(async () => {
    await app?.close();
    await backend?.close();
  });

  it('finds the metric names in PromQL', () => {
    expect([
      ...promqlMetricNames('histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{route=~"/api/.*"}[5m]))) > 0.5'),
    ]).toEqual(['http_request_duration_seconds_bucket']);
    expect([...promqlMetricNames('sum(rate(a_total{status=~"5.."}[$__rate_interval])) / sum(rate(b_total[5m])) > 1e-2 and on (x) c')]).toEqual([
      'a_total',
      'b_total',
      'c',
    ]);
  });

  it('every metric the alert rules use is exported', () => {
    const exprs = ruleExpressions(rulesYaml);
    expect(exprs.length).toBeGreaterThanOrEqual(5);
    const used = new Set(exprs.flatMap((e) => [...promqlMetricNames(e)]));
    for (const name of ['http_request_duration_seconds_bucket', 'http_requests_total', 'db_pool_waiting_clients', 'tracelens_up', 'cache_requests_total']) {
      expect(used).toContain(name);
    }
    const missing = [...used].filter((n) => !exported.has(n));
    expect(missing, `used by alerts.yml but not exported by /metrics`).toEqual([]);
  });

  it('every metric the dashboard queries is exported', () => {
    const exprs = dashboardExpressions(dashboard);
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    const used = new Set(exprs.flatMap((e) => [...promqlMetricNames(e.expr)]));
    // The instance picker reads label_values(<metric>, instance).
    for (const v of dashboard.templating.list as { query?: string | { query: string } }[]) {
      const q = typeof v.query === 'string' ? v.query : v.query?.query;
      const m = q && /^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(q);
      if (m) used.add(m[1]!);
    }
    const missing = [...used].filter((n) => !exported.has(n));
    expect(missing, `queried by the dashboard but not exported by /metrics`).toEqual([]);
    // The panels the operations guide describes are there.
    for (const name of ['http_requests_total', 'http_request_duration_seconds_bucket', 'db_query_duration_seconds_bucket', 'db_pool_waiting_clients', 'ingest_spans_total', 'cache_requests_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds']) {
      expect(used).toContain(name);
    }
  });

  it('every dashboard expression is valid PromQL (promtool)', () => {
    // Grafana variables replaced by what Grafana would send, then checked as recording rules.
    const dir = mkdtempSync(join(tmpdir(), 'tracelens-dash-'));
    try {
      const rules = dashboardExpressions(dashboard).map(
        (e, i) =>
          `      - record: dashboard:expr_${i}\n        expr: ${JSON.stringify(e.expr.replaceAll('$__rate_interval', '1m').replaceAll('$instance', '.*'))}`,
      );
      const file = join(dir, 'dashboard-rules.yml');
      writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
      let out: string;
      try {
        out = execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (err) {
        const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
        throw new Error(e.code === 'ENOENT' ? 'promtool not found: install it with `apt-get install prometheus` (.ci/run does)' : `${e.stdout}${e.stderr}`);
      }
      expect(out).toContain('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
