// `tracelens serve --workers 2` as a real process tree: one port, a killed
// worker is replaced, /metrics adds up every worker, and SIGTERM drains a
// request that is still being received before everything exits 0.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/tokens.js';
import { TEST_SECRET } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/backends.js';
import { eventually } from '../helpers/cache.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { sampleValue } from '../helpers/prometheus.js';
import { span } from '../helpers/spans.js';
import pg from 'pg';

/** Log lines of the process tree (the primary's and the workers' JSON lines). */
function logLines(run: CliRun): Record<string, unknown>[] {
  return run
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const startedPids = (run: CliRun) => logLines(run).filter((l) => l.msg === 'worker started').map((l) => l.worker_pid as number);

describe('tracelens serve --workers', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  it('refuses several workers on the embedded engine, and a bad count', async () => {
    const embedded = runCli(['serve', '--workers', '2'], { DATA_DIR: '/nonexistent-tracelens' });
    expect(await embedded.exited).toBe(2);
    expect(embedded.stderr()).toMatch(/needs DATABASE_URL/);
    const bad = runCli(['serve', '--workers', '0'], {});
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toMatch(/--workers must be an integer/);
  });

  it('serves one port from two workers, replaces a killed one, and drains in-flight requests on SIGTERM', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const run = runCli(['serve', '--workers', '2'], {
      DATABASE_URL: db.url,
      JWT_SECRET: TEST_SECRET,
      PORT: String(port),
      HOST: '127.0.0.1',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'info',
      // About workers, not shedding: a start-up lag on a busy machine must not answer OVERLOADED.
      OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    });
    try {
      // Workers load slowly under a loaded CI machine (TypeScript from source).
      await eventually(async () => (await fetch(`${base}/health`).catch(() => null))?.status === 200, 120_000, 250);
      await eventually(async () => startedPids(run).length === 2, 10_000);
      const [victim, survivor] = startedPids(run);
      const listening = () => logLines(run).filter((l) => l.msg?.toString().startsWith('Server listening')).map((l) => l.pid);
      await eventually(async () => listening().includes(victim) && listening().includes(survivor), 120_000, 250);

      // Both workers answer scrapes for the whole tree: the scrape count rises
      // by one per scrape whichever worker takes it.
      const scrapes: number[] = [];
      for (let i = 0; i < 4; i++) {
        const text = await (await fetch(`${base}/metrics`)).text();
        scrapes.push(sampleValue(text, 'http_requests_total', { method: 'GET', route: '/metrics', status: '200' }));
      }
      expect(scrapes).toEqual([scrapes[0], scrapes[0]! + 1, scrapes[0]! + 2, scrapes[0]! + 3]);

      process.kill(victim!, 'SIGKILL');
      await eventually(async () => logLines(run).some((l) => l.msg === 'worker died; restarting it' && l.worker_pid === victim), 10_000);
      await eventually(async () => startedPids(run).length === 3, 10_000);
      const replacement = startedPids(run)[2]!;
      expect(replacement).not.toBe(victim);
      // The survivor kept the port open meanwhile (an answer, not a refused connection); the
      // replacement joins it. The answer is 200 once the survivor's database probe answers within its
      // 2 s bound, which on a machine loaded by the rest of the suite can take a few tries.
      const first = await fetch(`${base}/health`);
      expect([200, 503]).toContain(first.status);
      await eventually(async () => (await fetch(`${base}/health`)).status === 200, 30_000, 250);
      await eventually(async () => listening().includes(replacement), 120_000, 250);

      // A request whose body is still arriving when SIGTERM comes is answered.
      const token = await mintToken(TEST_SECRET, { sub: 'drain', role: 'developer', projects: ['proj-a'] });
      const body = JSON.stringify([span({ span_id: 'drained', trace_id: 'drain-1', ts: new Date().toISOString() })]);
      const half = Math.floor(body.length / 2);
      const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(
          `${base}/api/v1/traces`,
          { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (res) => {
            let text = '';
            res.on('data', (d) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        req.write(body.slice(0, half));
        // Sent, so a worker holds the connection; the rest comes after SIGTERM.
        req.once('socket', (s) => s.once('connect', () => setTimeout(() => signalAndFinish(req), 300)));
      });
      const signalAndFinish = (req: ReturnType<typeof request>) => {
        run.child.kill('SIGTERM');
        void eventually(async () => logLines(run).filter((l) => l.msg === 'shutting down' && l.worker !== undefined).length === 2, 10_000, 50)
          .then(() => req.end(body.slice(half)))
          .catch(() => req.end(body.slice(half)));
      };
      const res = await answered;
      expect(res.status, res.text).toBe(201);
      expect(await run.exited).toBe(0);
      expect(logLines(run).some((l) => l.msg === 'all workers stopped')).toBe(true);
      const check = new pg.Client({ connectionString: db.url });
      await check.connect();
      const rows = (await check.query("SELECT 1 FROM llm_traces WHERE span_id = 'drained'")).rows;
      await check.end();
      expect(rows).toHaveLength(1);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      for (const pid of startedPids(run)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
  }, 400_000);
});
