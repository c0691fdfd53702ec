// SIGTERM while ingest batches are in flight, on a real `tracelens serve`
// child process: every request either completes with 2xx (and then all its
// spans are stored) or fails with a connection error or 503 (and the client
// may retry); no acknowledged span is lost; the process exits 0 within its
// grace period (the test timeout is the bound).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/tokens.js';
import { createTestDatabase } from '../helpers/backends.js';
import { runCli, waitForOutput, type CliRun } from '../helpers/cli.js';
import { span } from '../helpers/spans.js';

const SECRET = 'sigterm-under-load-secret-0123456789abcdef';
const CLIENTS = 16;
const SPANS_PER_BATCH = 50;

describe('SIGTERM under ingest load [postgres]', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let run: CliRun | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    if (run && run.child.exitCode === null) {
      run.child.kill('SIGKILL');
      await run.exited;
    }
    await db?.drop();
  });

  it('finishes in-flight batches, loses no acknowledged span and exits 0', { timeout: 60_000 }, async () => {
    const port = String(20000 + Math.floor(Math.random() * 20000));
    run = runCli(['serve'], {
      DATABASE_URL: db.url,
      JWT_SECRET: SECRET,
      PORT: port,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info', // 'shutting down' is an info line
      DEMO_DATA: 'false',
      DB_POOL_MIN: '0',
      DB_POOL_MAX: '4',
    });
    await waitForOutput(run, /Server listening/, 30_000);
    const base = `http://127.0.0.1:${port}`;
    const authorization = `Bearer ${await mintToken(SECRET, { sub: 'exporter', role: 'developer', projects: ['proj-a'] })}`;
    // Ready once the schema is migrated (the API answers 503 until then).
    for (let i = 0; i < 100; i++) {
      const r = await fetch(`${base}/api/v1/traces?limit=1`, { headers: { authorization } }).catch(() => null);
      if (r?.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    const acknowledged: string[] = [];
    const outcomes: Record<string, number> = {};
    const note = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
    let batchNo = 0;
    let stop = false;
    const clients = Array.from({ length: CLIENTS }, async () => {
      while (!stop) {
        const traceId = `sigterm-${++batchNo}`;
        const spans = Array.from({ length: SPANS_PER_BATCH }, (_, i) => span({ trace_id: traceId, span_id: `s-${i}` }));
        try {
          const res = await fetch(`${base}/api/v1/traces`, {
            method: 'POST',
            headers: { authorization, 'content-type': 'application/json' },
            body: JSON.stringify(spans),
          });
          await res.text();
          note(String(res.status));
          if (res.status === 201) acknowledged.push(traceId);
          else if (res.status !== 503) stop = true; // anything else fails the test below
        } catch {
          note('connection error');
          stop = true; // the server is gone: an exporter would retry elsewhere
        }
      }
    });

    await new Promise((r) => setTimeout(r, 1500));
    const acknowledgedBeforeSignal = acknowledged.length;
    run.child.kill('SIGTERM');
    const code = await run.exited;
    stop = true;
    await Promise.all(clients);

    expect(code, JSON.stringify(outcomes)).toBe(0);
    expect(acknowledgedBeforeSignal).toBeGreaterThan(0);
    // Batches in flight when the signal came were finished, not dropped.
    expect(acknowledged.length).toBeGreaterThan(acknowledgedBeforeSignal);
    const unexpected = Object.keys(outcomes).filter((k) => !['201', '503', 'connection error'].includes(k));
    expect(unexpected, JSON.stringify(outcomes)).toEqual([]);

    const check = new pg.Client({ connectionString: db.url });
    await check.connect();
    try {
      const r = await check.query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces WHERE trace_id = ANY($1)', [acknowledged]);
      expect(r.rows[0]!.n).toBe(acknowledged.length * SPANS_PER_BATCH);
    } finally {
      await check.end();
    }
    expect(run.stdout() + run.stderr()).toMatch(/shutting down/);
  });
});
