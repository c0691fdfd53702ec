// What every doctor check returns, and what it is given. A check family is one
// small module (indexes, plans, table health, ...) returning one or more
// results; the runner collects them into a report.
import type { Driver, Queryable } from '../storage/driver.js';
import type { QueryShape } from './query-shape.js';

/**
 * pass/warn/fail are verdicts; info is a measurement with no verdict (sizes);
 * skip means the check does not apply to this engine or database.
 */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'info' | 'skip';

export interface CheckResult {
  /** The check family, stable for scripts: 'indexes', 'query-plans', ... */
  readonly check: string;
  /** What was checked within the family: an index, a query shape, a table. */
  readonly subject: string;
  readonly status: CheckStatus;
  /** One line for people. */
  readonly message: string;
  /** Further lines (plan nodes, statement list, sizes). */
  readonly details?: readonly string[];
  /** The SQL to run (or the steps to take) to fix a warn or fail. */
  readonly fix?: string;
  /** Raw figures for machines (sizes in bytes, counts, ratios). */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** What the checks need of a driver: queries, a transaction for session settings, the engine. */
export type DoctorDb = Queryable & Pick<Driver, 'engine' | 'transaction'>;

export interface DoctorContext {
  readonly db: DoctorDb;
  /** Statements slower than this on average are called out (SLOW_QUERY_MS). */
  readonly slowQueryMs: number;
  /** Query shapes whose plans are checked. */
  readonly shapes: readonly QueryShape[];
  /** Clock for relative time bounds in the shapes. */
  readonly now: number;
}

export interface CheckFamily {
  readonly id: string;
  /** Why it cannot run on the embedded engine, when it cannot. */
  readonly postgresOnly?: string;
  run(ctx: DoctorContext): Promise<CheckResult[]>;
}

/** Every doctor statement is labelled 'admin' in the metrics and the slow log. */
export const ADMIN = { kind: 'admin' } as const;

/** An identifier from the catalog, quoted for the fix SQL we print or run. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
