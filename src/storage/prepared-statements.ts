// Named (prepared) statements for the statements a query shape repeats: the
// search and list pages. On the time-partitioned table, planning a page
// statement opens every partition and each of its indexes (about 1,500
// relations at 40 partitions): 9-16 ms of planning for 0.5 ms of execution
// of a common page. pgbench runs it at ~170/s planned each time and ~1,900/s
// prepared (8 clients, 2 cores).
//
// A named statement is parsed once per connection. Left to itself
// (plan_cache_mode = auto) PostgreSQL would still plan every execution: a
// generic plan costs `LIMIT $n` as 10 % of the rows, far above any custom
// plan, so it is never chosen. Statements whose plan does not depend on their
// values (the newest-window statement: the time index of the range, then the
// filter) therefore run with plan_cache_mode = force_generic_plan
// (QueryOptions.genericPlan): planned once per connection. So do the
// statements of a rollup plan of the metrics engine and the reports: each
// segment reads its table by the bucket index whatever the range, and
// planning them (the raw edges and the open bucket's probe open partitions)
// cost 1-17 ms per statement against a few ms of execution. Every other
// statement keeps its custom plan per execution: the fallback statement of a
// rare value exists precisely to be planned for that value.
import { createHash } from 'node:crypto';
import type pg from 'pg';

/** Statements kept per connection; past it the connection forgets all of them at once (DEALLOCATE ALL). */
export const MAX_PREPARED_PER_CONNECTION = 64;
const MAX_NAMES = 4096;

/** The name of a statement: a digest of its text, so the same text has the same name on every connection. */
const names = new Map<string, string>();

export function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `tl_${createHash('sha1').update(sql).digest('base64url')}`;
    if (names.size >= MAX_NAMES) names.clear();
    names.set(sql, name);
  }
  return name;
}

// The session settings each connection is in: the plan mode above, and
// whether parallel workers may run (SessionMode.serial). Switched lazily: a
// connection that serves page after page stays in its mode and pays no extra
// round trip; the first statement that needs another mode switches it first,
// in one round trip for both settings.
export interface SessionMode {
  /** plan_cache_mode = force_generic_plan (QueryOptions.genericPlan). */
  readonly generic: boolean;
  /** max_parallel_workers_per_gather = 0 (QueryOptions.serial). */
  readonly serial: boolean;
}
export const DEFAULT_SESSION_MODE: SessionMode = Object.freeze({ generic: false, serial: false });
const sessionModes = new WeakMap<pg.ClientBase, SessionMode>();

/** Puts the connection in the mode the next statement needs (a no-op when it is already in it). */
export async function useSessionMode(client: pg.ClientBase, mode: SessionMode): Promise<void> {
  const cur = sessionModes.get(client) ?? DEFAULT_SESSION_MODE;
  const sets: string[] = [];
  if (cur.generic !== mode.generic) sets.push(mode.generic ? 'SET plan_cache_mode = force_generic_plan' : 'RESET plan_cache_mode');
  if (cur.serial !== mode.serial) sets.push(mode.serial ? 'SET max_parallel_workers_per_gather = 0' : 'RESET max_parallel_workers_per_gather');
  if (sets.length === 0) return;
  // No parameters: the simple protocol takes both statements in one message.
  await client.query(sets.join('; '));
  sessionModes.set(client, mode);
}

/** node-postgres' own record of what a connection has prepared (not a public API; read and reset together). */
interface PreparedRecord {
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
}

/**
 * The name to run sql under on this connection, after making room for it:
 * a connection serving many shapes drops its prepared statements when it
 * holds MAX_PREPARED_PER_CONNECTION, so server memory stays bounded.
 */
export async function prepareOn(client: pg.PoolClient, sql: string): Promise<string> {
  const name = statementName(sql);
  const record = (client as unknown as { connection: PreparedRecord }).connection;
  if (record.parsedStatements[name] !== undefined) return name;
  if (Object.keys(record.parsedStatements).length >= MAX_PREPARED_PER_CONNECTION) {
    await client.query('DEALLOCATE ALL');
    record.parsedStatements = {};
    record.submittedNamedStatements = {};
  }
  return name;
}
