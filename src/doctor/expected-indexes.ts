// The indexes the schema should have, read from the migrations themselves so
// there is one source of truth: a migration that adds, drops or renames an
// index changes what the doctor expects without a second list to keep in step.
//
// A deliberately small reader, not a SQL parser: it understands the statement
// forms our migrations use (CREATE [UNIQUE] INDEX, DROP INDEX, ALTER INDEX ...
// RENAME TO, and a PRIMARY KEY inside CREATE TABLE). Migrations must not put
// semicolons inside string literals or dollar-quoted bodies of these statements.
import { MIGRATIONS, type Migration } from '../storage/migrations/index.js';

export interface ExpectedIndex {
  readonly name: string;
  readonly table: string;
  /** The statement that recreates it on a live table, without blocking writes. */
  readonly createSql: string;
  /** Enforces a constraint (primary key or unique): never a candidate for dropping. */
  readonly constraint: boolean;
  /** The migration that created it. */
  readonly migration: string;
}

const IDENT = String.raw`(?:"[^"]+"|[A-Za-z_][\w$]*)`;
const CREATE_INDEX = new RegExp(
  String.raw`^CREATE\s+(UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(${IDENT})\s+ON\s+(?:ONLY\s+)?(${IDENT})(.*)$`,
  'is',
);
const DROP_INDEX = new RegExp(String.raw`^DROP\s+INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?(.+?)(?:\s+(?:CASCADE|RESTRICT))?$`, 'is');
const RENAME_INDEX = new RegExp(String.raw`^ALTER\s+INDEX\s+(?:IF\s+EXISTS\s+)?(${IDENT})\s+RENAME\s+TO\s+(${IDENT})$`, 'is');
const CREATE_TABLE = new RegExp(String.raw`^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(${IDENT})\s*\((.*)\)$`, 'is');

const unquote = (id: string) => (id.startsWith('"') ? id.slice(1, -1) : id.toLowerCase());

/** SQL statements of a migration, comments removed. */
function statements(sql: string): string[] {
  return sql
    .replace(/--[^\n]*/g, '')
    .split(';')
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

/** Column list of the primary key declared in a CREATE TABLE body, if any. */
function primaryKeyColumns(body: string): string | null {
  const tableLevel = /PRIMARY\s+KEY\s*\(([^)]+)\)/i.exec(body);
  if (tableLevel) return tableLevel[1]!.trim();
  // Column level: the column definition (up to the previous comma) that says PRIMARY KEY.
  const columnLevel = new RegExp(String.raw`(?:^|,)\s*(${IDENT})\s[^,]*?\bPRIMARY\s+KEY\b`, 'i').exec(body);
  return columnLevel ? columnLevel[1]! : null;
}

export function expectedIndexes(migrations: readonly Migration[] = MIGRATIONS): ExpectedIndex[] {
  const byName = new Map<string, ExpectedIndex>();
  for (const m of migrations) {
    for (const stmt of statements(m.sql)) {
      let match: RegExpExecArray | null;
      if ((match = CREATE_INDEX.exec(stmt))) {
        const [, unique, rawName, rawTable, rest] = match;
        const name = unquote(rawName!);
        byName.set(name, {
          name,
          table: unquote(rawTable!),
          createSql: `CREATE ${unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY IF NOT EXISTS ${rawName} ON ${rawTable}${rest};`,
          constraint: Boolean(unique),
          migration: m.id,
        });
      } else if ((match = DROP_INDEX.exec(stmt))) {
        for (const id of match[1]!.split(',')) byName.delete(unquote(id.trim().replace(/^.*\./, '')));
      } else if ((match = RENAME_INDEX.exec(stmt))) {
        const old = byName.get(unquote(match[1]!));
        if (old) {
          byName.delete(old.name);
          const name = unquote(match[2]!);
          byName.set(name, { ...old, name, createSql: old.createSql.replace(` ${match[1]} ON `, ` ${match[2]} ON `) });
        }
      } else if ((match = CREATE_TABLE.exec(stmt))) {
        const table = unquote(match[1]!);
        const pk = primaryKeyColumns(match[2]!);
        // PostgreSQL names a primary key's index <table>_pkey.
        if (pk !== null) {
          byName.set(`${table}_pkey`, {
            name: `${table}_pkey`,
            table,
            createSql: `ALTER TABLE ${match[1]} ADD PRIMARY KEY (${pk});`,
            constraint: true,
            migration: m.id,
          });
        }
      }
    }
  }
  return [...byName.values()];
}
