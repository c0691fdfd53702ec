// The reference evaluator: the documented semantics of the filter DSL
// (docs/api.md) in plain TypeScript over in-memory rows. It reads the WIRE
// filter, not the AST, so validation and normalization bugs show up too.
//
// Full-text search: the evaluator implements the web-search query logic
// (words AND-ed, `or`, `-word`, "quoted phrases" by position) itself, over the
// lexemes and positions PostgreSQL's to_tsvector produced for each row (read
// once per fixture). Generated search words are ones the english stemmer
// leaves unchanged, so a query word is its own lexeme.
import type { SpanInput } from './spans.js';

export type Lexemes = ReadonlyMap<string, readonly number[]>;

export interface EvalRow extends SpanInput {
  id: number;
  vectors: { input: Lexemes; output: Lexemes; combined: Lexemes };
}

export type WireNode =
  | { field: string; operator: string; value: unknown }
  | { operator: string; filters: WireNode[] };

export function evaluate(node: WireNode, row: EvalRow): boolean {
  if ('filters' in node) {
    const op = node.operator.toLowerCase();
    if (op === 'and') return node.filters.every((c) => evaluate(c, row));
    if (op === 'or') return node.filters.some((c) => evaluate(c, row));
    if (op === 'not') return !evaluate(node.filters[0]!, row);
    throw new Error(`bad logical operator ${node.operator}`);
  }
  return leaf(node.field, node.operator.toLowerCase(), node.value, row);
}

type Kind = 'text' | 'integer' | 'decimal' | 'timestamp' | 'tags' | 'attr' | 'content';

const KINDS: Record<string, Kind> = {
  ts: 'timestamp', trace_id: 'text', span_id: 'text', parent_span_id: 'text', project_id: 'text', span_name: 'text',
  provider: 'text', model: 'text', input_text: 'text', output_text: 'text', prompt_tokens: 'integer',
  completion_tokens: 'integer', total_tokens: 'integer', prompt_cost_usd: 'decimal', completion_cost_usd: 'decimal',
  total_cost_usd: 'decimal', duration_ms: 'integer', ttft_ms: 'integer', status_code: 'text', error_message: 'text',
  user_id: 'text', session_id: 'text', environment: 'text', tags: 'tags', content: 'content',
};

/** Splits `attributes.a."b.c"` into keys. */
export function attributeKeys(field: string): string[] {
  const rest = field.slice('attributes.'.length);
  const keys: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|([^.]+)/gy;
  let m: RegExpExecArray | null;
  let i = 0;
  while (i < rest.length) {
    re.lastIndex = i;
    m = re.exec(rest);
    if (!m) throw new Error(`bad path ${field}`);
    keys.push(m[1] !== undefined ? (JSON.parse(`"${m[1]}"`) as string) : m[2]!);
    i = re.lastIndex + 1; // skip the dot
  }
  return keys;
}

function attributeValue(row: EvalRow, keys: string[]): unknown {
  let v: unknown = row.attributes ?? {};
  for (const k of keys) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

function textMatch(op: string, v: string, pattern: string): boolean {
  const a = asciiLower(v);
  const p = asciiLower(pattern);
  if (op === 'contains') return a.includes(p);
  if (op === 'starts_with') return a.startsWith(p);
  if (op === 'ends_with') return a.endsWith(p);
  if (op === 'regex') return new RegExp(pattern, 'su').test(v);
  throw new Error(op);
}

function leaf(field: string, op: string, value: unknown, row: EvalRow): boolean {
  const positive = { ne: 'eq', not_in: 'in', not_contains: 'contains' }[op];
  if (positive) return !leaf(field, positive, value, row);
  if (field.startsWith('attributes.')) return attrLeaf(attributeValue(row, attributeKeys(field)), op, value);
  const kind = KINDS[field];
  if (!kind) throw new Error(`unknown field ${field}`);
  if (op === 'search') {
    const vec = field === 'input_text' ? row.vectors.input : field === 'output_text' ? row.vectors.output : row.vectors.combined;
    return webSearch(String(value), vec);
  }
  const col = (row as unknown as Record<string, unknown>)[field] ?? null;
  if (kind === 'tags') {
    const tags = (col as string[] | null) ?? [];
    if (op === 'in') return (value as string[]).some((t) => tags.includes(t));
    const want = Array.isArray(value) ? (value as string[]) : [value as string];
    return want.every((t) => tags.includes(t)); // eq and contains: holds them all
  }
  if (op === 'eq' && value === null) return col === null;
  if (col === null) return false;
  if (op === 'in') return (value as unknown[]).some((v) => compare(kind, col, v) === 0);
  if (op === 'eq') return compare(kind, col, value) === 0;
  if (['gt', 'gte', 'lt', 'lte'].includes(op)) return ordered(op, compare(kind, col, value));
  return textMatch(op, col as string, value as string);
}

function ordered(op: string, c: number): boolean {
  return op === 'gt' ? c > 0 : op === 'gte' ? c >= 0 : op === 'lt' ? c < 0 : c <= 0;
}

function attrLeaf(v: unknown, op: string, value: unknown): boolean {
  if (op === 'eq' && value === null) return v === undefined || v === null;
  if (op === 'eq') return jsonEq(v, value);
  if (op === 'in') return (value as unknown[]).some((x) => jsonEq(v, x));
  if (['gt', 'gte', 'lt', 'lte'].includes(op)) return typeof v === 'number' && ordered(op, decCmp(String(v), String(value)));
  return typeof v === 'string' && textMatch(op, v, value as string);
}

function jsonEq(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return decCmp(String(a), String(b)) === 0;
  return (typeof a === 'string' || typeof a === 'boolean') && a === b;
}

function compare(kind: Kind, a: unknown, b: unknown): number {
  switch (kind) {
    case 'integer':
      return Math.sign((a as number) - (b as number));
    case 'decimal':
      return decCmp(String(a), String(b));
    case 'timestamp':
      return Math.sign(Date.parse(a as string) - Date.parse(b as string));
    default:
      return codePointCmp(a as string, b as string);
  }
}

/** Byte order of UTF-8 = code point order (PostgreSQL's C collation); JS `<` compares UTF-16 units. */
export function codePointCmp(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return Math.sign(d);
  }
  return Math.sign(x.length - y.length);
}

/** Exact comparison of decimal texts (exponent notation included), as numeric does it. */
export function decCmp(a: string, b: string): number {
  const [am, as] = decParse(a);
  const [bm, bs] = decParse(b);
  const s = Math.max(as, bs);
  const x = am * 10n ** BigInt(s - as);
  const y = bm * 10n ** BigInt(s - bs);
  return x < y ? -1 : x > y ? 1 : 0;
}

function decParse(s: string): [bigint, number] {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(s.trim());
  if (!m) throw new Error(`not a decimal: ${s}`);
  const frac = m[3] ?? '';
  let mant = BigInt(`${m[1]}${m[2]}${frac}`);
  let scale = frac.length - Number(m[4] ?? 0);
  if (scale < 0) {
    mant *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return [mant, scale];
}

// --- web search -------------------------------------------------------------

/**
 * The subset of websearch_to_tsquery syntax the generator produces: clauses
 * separated by ` or `; in a clause, space-separated atoms (AND): `word`,
 * `-word` (NOT) and `"w1 w2"` (phrase: w2 right after w1).
 */
export function webSearch(query: string, vec: Lexemes): boolean {
  return query.split(' or ').some((clause) => {
    const atoms = clause.match(/-?"[^"]*"|\S+/g) ?? [];
    return atoms.every((atom) => {
      const neg = atom.startsWith('-');
      const body = neg ? atom.slice(1) : atom;
      const words = body.replace(/"/g, '').split(' ').filter(Boolean);
      return neg !== phrase(words, vec);
    });
  });
}

function phrase(words: string[], vec: Lexemes): boolean {
  const first = vec.get(words[0]!) ?? [];
  return first.some((p) => words.every((w, i) => (vec.get(w) ?? []).includes(p + i)));
}

/** Parses tsvector text output: `'alpha':1,4A 'bravo':2`. */
export function parseTsvector(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const re = /'((?:[^']|'')*)'(?::([\dA-D,]+))?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const lexeme = m[1]!.replace(/''/g, "'");
    const positions = (m[2] ?? '').split(',').filter(Boolean).map((p) => parseInt(p, 10));
    out.set(lexeme, positions);
  }
  return out;
}

// --- ordering ---------------------------------------------------------------

const SORT_KIND: Record<string, Kind> = {
  ts: 'timestamp', duration_ms: 'integer', ttft_ms: 'integer', total_cost_usd: 'decimal', total_tokens: 'integer',
  prompt_tokens: 'integer', completion_tokens: 'integer', provider: 'text', model: 'text', status_code: 'text',
};

/** The documented order: sort value (NULLS LAST in both directions), then id in the same direction. */
export function sortRows(rows: readonly EvalRow[], sortBy: string, desc: boolean): EvalRow[] {
  const kind = SORT_KIND[sortBy]!;
  const dir = desc ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = (a as unknown as Record<string, unknown>)[sortBy] ?? null;
    const y = (b as unknown as Record<string, unknown>)[sortBy] ?? null;
    if (x === null && y !== null) return 1;
    if (y === null && x !== null) return -1;
    const c = x === null ? 0 : compare(kind, x, y);
    return c !== 0 ? c * dir : (a.id - b.id) * dir;
  });
}
