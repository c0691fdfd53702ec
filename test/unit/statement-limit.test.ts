// The analytics statement bound: never more than N statements of the
// wrapped reader at once, each caller gets its own result or error, in the
// order the statements were sent.
import { describe, expect, it } from 'vitest';
import type { Queryable } from '../../src/storage/driver.js';
import { limitStatements } from '../../src/storage/statement-limit.js';

/** A reader of our own boundary that records how many statements it runs at once. */
function recordingReader() {
  let running = 0;
  const seen = { peak: 0, started: [] as string[] };
  const releases: (() => void)[] = [];
  const db: Queryable = {
    query: async <R>(sql: string) => {
      running++;
      seen.peak = Math.max(seen.peak, running);
      seen.started.push(sql);
      await new Promise<void>((resolve) => releases.push(resolve));
      running--;
      if (sql === 'fail') throw new Error('statement failed');
      return { rows: [{ sql }] as R[], rowCount: 1 };
    },
  };
  const releaseAll = async () => {
    while (releases.length > 0 || running > 0) {
      releases.splice(0).forEach((r) => r());
      await new Promise((r) => setImmediate(r));
    }
  };
  return { db, seen, releaseAll };
}

describe('limitStatements', () => {
  it.each([1, 2, 3])('runs at most %i statements at once and answers each caller', async (n) => {
    const { db, seen, releaseAll } = recordingReader();
    const limited = limitStatements(db, n);
    const sqls = Array.from({ length: 9 }, (_, i) => `s${i}`);
    const pending = Promise.all(sqls.map((s) => limited.query<{ sql: string }>(s)));
    await new Promise((r) => setImmediate(r));
    expect(seen.started).toEqual(sqls.slice(0, n));
    await releaseAll();
    const results = await pending;
    expect(results.map((r) => r.rows[0]!.sql)).toEqual(sqls);
    expect(seen.peak).toBe(n);
    expect(seen.started).toEqual(sqls);
  });

  it('passes a failure to its own caller and goes on with the next statement', async () => {
    const { db, releaseAll } = recordingReader();
    const limited = limitStatements(db, 1);
    const failed = limited.query('fail');
    const next = limited.query<{ sql: string }>('after');
    const outcome = Promise.allSettled([failed, next]);
    await new Promise((r) => setImmediate(r));
    await releaseAll();
    const [a, b] = await outcome;
    expect(a.status).toBe('rejected');
    expect(b.status === 'fulfilled' && b.value.rows[0]!.sql).toBe('after');
  });

  it('never runs a waiting statement whose request went away, and runs the next one', async () => {
    const { db, seen, releaseAll } = recordingReader();
    const limited = limitStatements(db, 1);
    const gone = new AbortController();
    const first = limited.query('first');
    const abandoned = limited.query('abandoned', [], { kind: 'metrics', signal: gone.signal });
    const next = limited.query<{ sql: string }>('next');
    const outcome = Promise.allSettled([first, abandoned, next]);
    await new Promise((r) => setImmediate(r));
    gone.abort();
    await releaseAll();
    const [, b, c] = await outcome;
    expect(b.status === 'rejected' && (b.reason as { code?: string }).code).toBe('CLIENT_CLOSED_REQUEST');
    expect(c.status === 'fulfilled' && c.value.rows[0]!.sql).toBe('next');
    expect(seen.started).toEqual(['first', 'next']);
  });
});
