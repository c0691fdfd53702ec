// The shipped alert rules: valid for Prometheus (promtool check rules), and
// firing on the situations they are named after (promtool test rules on
// synthetic series). promtool comes from Debian's `prometheus` package; .ci/run
// installs it. Without it these tests fail rather than skip: unchecked rules
// are how a typo reaches production silently.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const RULES = resolve('deploy/prometheus/alerts.yml');
const dir = mkdtempSync(join(tmpdir(), 'tracelens-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function promtool(...args: string[]): string {
  try {
    return execFileSync('promtool', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool not found: install it with `apt-get install prometheus` (.ci/run does)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/**
 * The rules without their annotations: promtool compares annotations too, and
 * the behaviour under test is which alert fires with which labels, not the
 * wording of the descriptions.
 */
function rulesWithoutAnnotations(): string {
  const out: string[] = [];
  let skipIndent = -1;
  for (const line of readFileSync(RULES, 'utf8').split('\n')) {
    const indent = line.search(/\S/);
    if (skipIndent >= 0 && (indent === -1 || indent > skipIndent)) continue;
    skipIndent = -1;
    if (/^\s*annotations:\s*$/.test(line)) {
      skipIndent = indent;
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

interface AlertCase {
  alert: string;
  at: string;
  expect: Record<string, string>[];
}

function runRuleTest(name: string, series: Record<string, string>, cases: AlertCase[]) {
  const rules = join(dir, 'rules.yml');
  writeFileSync(rules, rulesWithoutAnnotations());
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const yaml = [
    `rule_files: [${q(rules)}]`,
    'evaluation_interval: 1m',
    'tests:',
    '  - interval: 1m',
    '    input_series:',
    ...Object.entries(series).flatMap(([s, v]) => [`      - series: ${q(s)}`, `        values: ${q(v)}`]),
    '    alert_rule_test:',
    ...cases.flatMap((c) => [
      `      - eval_time: ${c.at}`,
      `        alertname: ${c.alert}`,
      `        exp_alerts:${c.expect.length === 0 ? ' []' : ''}`,
      ...c.expect.map((labels) => `          - exp_labels: ${JSON.stringify(labels)}`),
    ]),
  ].join('\n');
  const file = join(dir, `${name}.test.yml`);
  writeFileSync(file, yaml);
  promtool('test', 'rules', file);
}

describe('deploy/prometheus/alerts.yml', () => {
  it('passes promtool check rules', () => {
    expect(promtool('check', 'rules', RULES)).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('has the alerts the operations guide names', () => {
    const names = [...readFileSync(RULES, 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    expect(names).toEqual([
      'TracelensHighLatencyP95',
      'TracelensHigh5xxRate',
      'TracelensLowCacheHitRate',
      'TracelensDbPoolWaiting',
      'TracelensDatabaseDown',
      'TracelensMetricsAbsent',
    ]);
  });

  it('fires P95 above 500 ms only after 5 minutes of it', () => {
    // Per minute: 100 requests, 10 of them at most 0.5 s, the rest up to 0.8 s.
    const route = 'route="/api/v1/traces",method="GET"';
    runRuleTest(
      'latency',
      {
        [`http_request_duration_seconds_bucket{${route},le="0.5"}`]: '0+10x30',
        [`http_request_duration_seconds_bucket{${route},le="0.8"}`]: '0+100x30',
        [`http_request_duration_seconds_bucket{${route},le="+Inf"}`]: '0+100x30',
      },
      [
        { alert: 'TracelensHighLatencyP95', at: '4m', expect: [] },
        { alert: 'TracelensHighLatencyP95', at: '12m', expect: [{ severity: 'warning' }] },
      ],
    );
  });

  it('fires at a 5xx rate above 1 % and stays quiet below it', () => {
    runRuleTest(
      'errors-high',
      { 'http_requests_total{status="200"}': '0+100x30', 'http_requests_total{status="503"}': '0+2x30' },
      [{ alert: 'TracelensHigh5xxRate', at: '15m', expect: [{ severity: 'critical' }] }],
    );
    runRuleTest(
      'errors-low',
      { 'http_requests_total{status="200"}': '0+1000x30', 'http_requests_total{status="500"}': '0+5x30' },
      [{ alert: 'TracelensHigh5xxRate', at: '15m', expect: [] }],
    );
  });

  it('fires a cache hit rate below 70 % per tier after 10 minutes', () => {
    runRuleTest(
      'cache',
      {
        'cache_requests_total{tier="memory",result="hit"}': '0+50x40',
        'cache_requests_total{tier="memory",result="miss"}': '0+50x40',
        'cache_requests_total{tier="redis",result="hit"}': '0+90x40',
        'cache_requests_total{tier="redis",result="miss"}': '0+10x40',
      },
      [
        { alert: 'TracelensLowCacheHitRate', at: '8m', expect: [] },
        { alert: 'TracelensLowCacheHitRate', at: '25m', expect: [{ severity: 'warning', tier: 'memory' }] },
      ],
    );
  });

  it('fires on pool waiting clients for 5 minutes, and on a database down for 1 minute', () => {
    runRuleTest(
      'database',
      {
        'db_pool_waiting_clients{instance="a"}': '0 0 3x10',
        'db_pool_waiting_clients{instance="b"}': '0x12',
        'tracelens_up{component="database",instance="a"}': '1 1 0x10',
        'tracelens_up{component="database",instance="b"}': '1x12',
      },
      [
        { alert: 'TracelensDbPoolWaiting', at: '8m', expect: [{ severity: 'warning', instance: 'a' }] },
        { alert: 'TracelensDatabaseDown', at: '4m', expect: [{ severity: 'critical', instance: 'a' }] },
        { alert: 'TracelensMetricsAbsent', at: '10m', expect: [] },
      ],
    );
  });
});
