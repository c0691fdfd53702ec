// The bug as a new user met it: `tracelens serve` with DATABASE_URL pointing
// at a fresh PostgreSQL database loaded 2,000 demo spans into it. A database
// named by DATABASE_URL gets demo data only from an explicit `tracelens seed --demo`.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/tokens.js';
import { DEMO } from '../../src/seed/demo.js';
import { createTestDatabase } from '../helpers/backends.js';
import { eventually } from '../helpers/cache.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';

const SECRET = 'cli-demo-data-secret-0123456789abcdef';

async function countSpans(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces')).rows[0]!.n;
  } finally {
    await client.end();
  }
}

describe('demo data and DATABASE_URL [postgres]', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  it('serve leaves a fresh DATABASE_URL database empty even with DEMO_DATA=true', { timeout: 90_000 }, async () => {
    const port = await freePort();
    const run = runCli(['serve'], { DATABASE_URL: db.url, JWT_SECRET: SECRET, DEMO_DATA: 'true', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    try {
      const headers = { authorization: `Bearer ${await mintToken(SECRET, { sub: 'u', role: 'viewer', projects: ['p'] })}` };
      // The API opens only after migrations and the demo step have run.
      let status = 0;
      await eventually(async () => {
        status = await fetch(`http://127.0.0.1:${port}/api/v1/traces?limit=1`, { headers }).then((r) => r.status, () => 0);
        return status === 200;
      }, 60_000, 200);
      expect(status).toBe(200);
      expect(await countSpans(db.url)).toBe(0);
      // Production (a DATABASE_URL and a key) keeps JSON log lines.
      expect(run.stdout()).toMatch(/^\{"level":30,.*"msg":"Server listening/m);
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });

  it('seed --demo loads the demo data set into it on request', { timeout: 90_000 }, async () => {
    const run = runCli(['seed', '--demo'], { DATABASE_URL: db.url, JWT_SECRET: SECRET });
    expect(await run.exited, run.stderr()).toBe(0);
    expect(run.stdout()).toMatch(/seeded 2,000 new of 2,000 demo spans/);
    expect(await countSpans(db.url)).toBe(DEMO.rows);
  });
});
