// Tables in the docs that are generated from a registry, never kept by hand:
// the error codes (docs/api.md) and the configuration variables (README.md).
// `npm run docs` rewrites them between their markers; a unit test fails when
// the committed text differs from what the registries say.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONFIG_SCHEMA } from '../src/config.js';
import { configTable } from '../src/config-schema.js';
import { ERRORS, type ErrorCode } from '../src/errors.js';

export interface GeneratedTable {
  file: string;
  marker: string;
  render(): string;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function errorTable(): string {
  const codes = (Object.keys(ERRORS) as ErrorCode[]).sort((a, b) => ERRORS[a].status - ERRORS[b].status);
  const rows = codes.map((c) => {
    const e = ERRORS[c];
    const retry = 'retryAfterS' in e ? `${e.retryAfterS} s` : c === 'RATE_LIMIT_EXCEEDED' ? 'until the window resets' : '';
    const status = 'surfaced' in e ? `(${e.status}, never sent)` : String(e.status);
    return `| ${status} | \`${c}\` | ${retry} | ${cell(e.when)} |`;
  });
  return ['| status | code | Retry-After | when |', '|---|---|---|---|', ...rows].join('\n');
}

export const TABLES: readonly GeneratedTable[] = [
  { file: 'docs/api.md', marker: 'error-codes', render: errorTable },
  { file: 'README.md', marker: 'config', render: () => configTable(CONFIG_SCHEMA) },
];

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function markers(t: GeneratedTable): RegExp {
  return new RegExp(`(<!-- ${t.marker}:begin[^>]*-->)([\\s\\S]*?)(<!-- ${t.marker}:end -->)`);
}

/** The text between `<!-- marker:begin -->` and `<!-- marker:end -->`, or null when the markers are missing. */
export function currentTable(t: GeneratedTable): string | null {
  const text = readFileSync(ROOT + t.file, 'utf8');
  const m = markers(t).exec(text);
  return m ? m[2]!.trim() : null;
}

function write(t: GeneratedTable): void {
  const path = ROOT + t.file;
  const text = readFileSync(path, 'utf8');
  const re = markers(t);
  if (!re.test(text)) throw new Error(`${t.file}: markers <!-- ${t.marker}:begin/end --> not found`);
  writeFileSync(path, text.replace(re, (_m, a: string, _old: string, b: string) => `${a}\n${t.render()}\n${b}`));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const t of TABLES) write(t);
}
