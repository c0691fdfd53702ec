// A request that goes away cancels its statement over another connection
// (pg_cancel_backend), which may arrive after the statement has ended. The
// connection it ran on is closed instead of returned to the pool, so a late
// cancel can never reach the next request's statement on that backend.
import { describe, expect, it } from 'vitest';
import { useSingleConnectionDriver } from '../helpers/backends.js';

describe('abandoned requests and pooled connections [postgres]', () => {
  // One connection: a reused backend would answer every query.
  const session = useSingleConnectionDriver();

  const pid = async (signal?: AbortSignal) => (await session.driver.query<{ pid: number }>('SELECT pg_backend_pid() AS pid', [], signal ? { signal } : {})).rows[0]!.pid;

  it('closes the connection of a request that went away while its statement ran', async () => {
    const before = await pid();
    expect(await pid()).toBe(before); // one pooled connection, reused
    const ac = new AbortController();
    const running = session.driver.query('SELECT pg_sleep(5)', [], { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(running).rejects.toMatchObject({ code: 'CLIENT_CLOSED_REQUEST' });
    const after = await pid();
    expect(after).not.toBe(before);
    // The new connection is an ordinary pooled one again.
    expect(await pid()).toBe(after);
  });

  it('closes it too when the request went away before or as its statement ran (a cancel may still be on its way)', async () => {
    const before = await pid();
    const ac = new AbortController();
    // The abort comes while the (instant) statement is in flight or just done: the cancel may be late.
    const done = pid(ac.signal).catch(() => null);
    ac.abort();
    await done;
    expect(await pid()).not.toBe(before);
  });

  it('keeps the connection of requests that did not go away', async () => {
    const ac = new AbortController();
    const first = await pid(ac.signal);
    expect(await pid(ac.signal)).toBe(first);
  });
});
