// The normalized search request: what both endpoints turn their input into,
// what the executor runs, and what the cursor binding and the cache key hash.
// POST /traces/search and GET /traces parse into it here and nowhere else.
// Parsing is pure: who may read which columns and projects is decided by the
// traces service (traces/search-request.ts, auth/permissions.ts).
import { appError } from '../errors.js';
import type { FilterNode, Scalar } from './ast.js';
import { SORT_FIELDS, lookupField, type FieldDef } from './fields.js';
import { normalize } from './normalize.js';
import { parseTimeBound } from './time.js';
import { echo, validateFilter } from './validate.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;

export interface SearchRequest {
  /** Normalized filter (negation normal form, flattened), or null for "everything". */
  readonly filter: FilterNode | null;
  readonly sort: { readonly field: FieldDef; readonly desc: boolean };
  readonly limit: number;
  /** Output columns, in registry order, already limited to what the caller may see. */
  readonly fields: readonly FieldDef[];
  /** ts >= from and ts < to; ISO or relative (`now-1h`) as requested. */
  readonly from: string | null;
  readonly to: string | null;
  readonly cursor: string | null;
  /** Project ids the query is limited to; null = every project (admin). */
  readonly scope: readonly string[] | null;
}

/**
 * A parsed request before authorization: the columns and projects it asks
 * for, not yet limited to what the caller may see.
 */
export interface SearchDraft extends Omit<SearchRequest, 'fields' | 'scope'> {
  /** Requested output columns in request order (de-duplicated), or null for the default set. */
  readonly requestedFields: readonly FieldDef[] | null;
  /** Projects the request names (GET /traces?project_id=), if any. */
  readonly projects?: readonly string[];
}

/** The POST body after its JSON schema check (top-level types are known). */
export interface SearchBody {
  filter?: unknown;
  sort_by?: string;
  sort_desc?: boolean;
  limit?: number;
  fields?: string[];
  cursor?: string | null;
  from?: string | null;
  to?: string | null;
}

export function parseSearchBody(body: SearchBody): SearchDraft {
  const filter = body.filter === undefined || body.filter === null ? null : normalize(validateFilter(body.filter, 'filter'));
  return {
    filter,
    sort: { field: sortField(body.sort_by, 'sort_by'), desc: body.sort_desc ?? true },
    limit: body.limit ?? DEFAULT_LIMIT,
    requestedFields: outputFields(body.fields),
    from: timeBound(body.from, 'from'),
    to: timeBound(body.to, 'to'),
    cursor: body.cursor ?? null,
  };
}

/** GET /traces query parameters after the querystring schema (all strings, no unknown keys). */
export type ListQuery = Partial<Record<(typeof LIST_PARAMS)[number], string>>;

export const LIST_PARAMS = [
  'from', 'to', 'project_id', 'provider', 'model', 'status', 'environment', 'user_id', 'session_id',
  'min_duration', 'max_duration', 'min_cost', 'max_cost', 'search', 'cursor', 'limit', 'sort_by', 'sort_order',
] as const;

// Query parameter -> [field, operator] of the DSL; the list endpoint is sugar over it.
const LIST_FILTERS: ReadonlyArray<readonly [keyof ListQuery, string, string, 'text' | 'integer' | 'decimal']> = [
  ['provider', 'provider', 'eq', 'text'],
  ['model', 'model', 'eq', 'text'],
  ['status', 'status_code', 'eq', 'text'],
  ['environment', 'environment', 'eq', 'text'],
  ['user_id', 'user_id', 'eq', 'text'],
  ['session_id', 'session_id', 'eq', 'text'],
  ['min_duration', 'duration_ms', 'gte', 'integer'],
  ['max_duration', 'duration_ms', 'lte', 'integer'],
  ['min_cost', 'total_cost_usd', 'gte', 'decimal'],
  ['max_cost', 'total_cost_usd', 'lte', 'decimal'],
  ['search', 'content', 'search', 'text'],
];

export function parseListQuery(q: ListQuery): SearchDraft {
  const leaves: { field: string; operator: string; value: Scalar }[] = [];
  for (const [param, field, operator, type] of LIST_FILTERS) {
    const raw = q[param];
    if (raw === undefined) continue;
    leaves.push({ field, operator, value: type === 'text' ? raw : numberParam(raw, param, type) });
  }
  let limit = DEFAULT_LIMIT;
  if (q.limit !== undefined) {
    limit = /^\d{1,4}$/.test(q.limit) ? Number(q.limit) : 0;
    if (limit < 1 || limit > MAX_LIMIT) throw appError.INVALID_PARAMETER('query.limit', `must be an integer from 1 to ${MAX_LIMIT}`);
  }
  const wire = leaves.length === 0 ? null : { operator: 'AND', filters: leaves };
  return {
    filter: wire === null ? null : normalize(validateFilter(wire, 'query')),
    sort: { field: sortField(q.sort_by, 'query.sort_by'), desc: (q.sort_order ?? 'desc') === 'desc' },
    limit,
    requestedFields: null,
    from: timeBound(q.from, 'query.from'),
    to: timeBound(q.to, 'query.to'),
    cursor: q.cursor ?? null,
    ...(q.project_id === undefined ? {} : { projects: [q.project_id] }),
  };
}

function numberParam(raw: string, param: string, type: 'integer' | 'decimal'): number {
  const ok = type === 'integer' ? /^\d{1,15}$/.test(raw) : /^\d{1,15}(\.\d{1,10})?$/.test(raw);
  if (!ok) throw appError.INVALID_PARAMETER(`query.${param}`, `must be a non-negative ${type === 'integer' ? 'integer' : 'decimal number'}`);
  return Number(raw);
}

function sortField(name: string | undefined, path: string): FieldDef {
  if (name === undefined) return lookupField('ts')!;
  const f = SORT_FIELDS.find((s) => s.name === name);
  if (!f) throw appError.INVALID_FIELD(path, `must be one of ${SORT_FIELDS.map((s) => s.name).join(', ')} (got ${echo(name)})`);
  return f;
}

/** A `from`/`to` value as a time bound, or INVALID_TIME_RANGE naming `path`. */
export function requireTimeBound(raw: string, path: string): string {
  const bound = parseTimeBound(raw);
  if (bound === null) throw appError.INVALID_TIME_RANGE(path, echo(raw));
  return bound;
}

function timeBound(raw: string | null | undefined, path: string): string | null {
  return raw === undefined || raw === null ? null : requireTimeBound(raw, path);
}

function outputFields(requested: readonly string[] | undefined): readonly FieldDef[] | null {
  if (requested === undefined) return null;
  const wanted = new Map<string, FieldDef>();
  requested.forEach((name, i) => {
    const f = lookupField(name);
    if (!f) throw appError.INVALID_FIELD(`fields[${i}]`, `is not a known field: ${echo(name)}`);
    wanted.set(f.name, f);
  });
  return [...wanted.values()];
}

/**
 * Canonical text of what decides the result set and its order: filter, sort,
 * time bounds as requested, and the tenant scope. Cursors are bound to its
 * hash; a cache key is this plus limit and fields (see requestKey).
 */
export function canonicalQuery(req: SearchRequest): string {
  return JSON.stringify([
    req.filter === null ? null : canonicalFilter(req.filter),
    req.sort.field.name,
    req.sort.desc,
    req.from,
    req.to,
    req.scope,
  ]);
}

/** Everything that decides the response of a first page (no cursor). */
export function requestKey(req: SearchRequest): string {
  return JSON.stringify([canonicalQuery(req), req.limit, req.fields.map((f) => f.name)]);
}

/**
 * The filter's shape with every value left out: fields, operators, nesting.
 * Labels slow-query log lines without leaking what anyone searched for.
 */
export function filterShapeOf(req: SearchRequest): string {
  const strip = (n: FilterNode): string => {
    switch (n.kind) {
      case 'and':
      case 'or':
        return `${n.kind}(${n.children.map(strip).join(',')})`;
      case 'not':
        return `not(${strip(n.child)})`;
      case 'predicate': {
        const t = n.target;
        const target = t.kind === 'column' ? t.field.name : t.kind === 'attribute' ? 'attributes.*' : 'content';
        return `${n.negated ? '!' : ''}${target}:${n.op}`;
      }
    }
  };
  return `${req.filter === null ? 'all' : strip(req.filter)} sort=${req.sort.field.name}`;
}

/** Value-complete canonical form of a normalized filter (cache keys). */
export function canonicalFilter(n: FilterNode): unknown {
  switch (n.kind) {
    case 'and':
    case 'or':
      return [n.kind, n.children.map(canonicalFilter)];
    case 'not':
      return ['not', canonicalFilter(n.child)];
    case 'predicate': {
      const t = n.target;
      const target = t.kind === 'column' ? t.field.name : t.kind === 'attribute' ? ['attributes', ...t.path] : 'content';
      return ['p', target, n.op, n.negated, n.value];
    }
  }
}
