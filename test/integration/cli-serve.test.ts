// The first-run experience: `tracelens serve` with no configuration serves the
// embedded engine and prints a working curl; with DATABASE_URL and no key it refuses.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, waitForOutput } from '../helpers/cli.js';

describe('tracelens serve', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('refuses to start with DATABASE_URL and no JWT key, naming the variable', async () => {
    const run = runCli(['serve'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' });
    expect(await run.exited).toBe(78);
    expect(run.stderr()).toMatch(/JWT_SECRET/);
    expect(run.stderr()).toMatch(/required when DATABASE_URL is set/);
  });

  it('stops on a bad variable with a message naming it', async () => {
    const run = runCli(['serve'], { PORT: 'not-a-port' });
    expect(await run.exited).toBe(78);
    expect(run.stderr()).toMatch(/PORT/);
  });

  it('serves the embedded engine with no configuration and prints a working curl', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracelens-serve-'));
    dirs.push(dir);
    const port = String(20000 + Math.floor(Math.random() * 20000));
    // SLOW_QUERY_MS=1: any query of the demo load would be logged if the slow log were on during start-up.
    const run = runCli(['serve'], { DATA_DIR: dir, PORT: port, HOST: '127.0.0.1', LOG_LEVEL: 'info', SLOW_QUERY_MS: '1' });
    try {
      const [, token] = await waitForOutput(run, /Authorization: Bearer ([\w.-]+)'/, 170_000);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      const healthBody = await health.clone().text();
      expect(health.status, healthBody).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'healthy', database: 'healthy' });
      const unauth = await fetch(`http://127.0.0.1:${port}/api/v1/traces/anything`);
      expect(unauth.status).toBe(401);
      const authed = await fetch(`http://127.0.0.1:${port}/api/v1/traces/anything`, { headers: { authorization: `Bearer ${token}` } });
      expect(authed.status).toBe(404);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      // Development mode logs read like a tool: pretty lines, no JSON, no slow-query noise from the demo load.
      expect(run.stdout()).toMatch(/INFO.*Server listening/);
      expect(run.stdout()).not.toMatch(/^\{"level"/m);
      // The demo load (admin and ingest statements) and the migrations are not slow-logged; the slow log
      // is on for what runs afterwards (SLOW_QUERY_MS=1 logs the test's requests and the export worker's
      // polls), which is what production wants.
      expect(run.stdout()).not.toMatch(/slow query.*"kind":"(ingest|admin|migrate)"/);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
  });
});
