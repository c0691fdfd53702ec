// Parameters of the analytics and cost reports. GET query strings and POST
// bodies go through the same parser: a query string carries every value as
// text, a body may carry numbers, lists and a full search `filter`. The
// common part (range, dimension filters, filter) becomes a ReportQuery that
// every report service reads.
import { appError } from '../../errors.js';
import type { FilterNode } from '../../query/ast.js';
import { normalize } from '../../query/normalize.js';
import { resolveTimeBound } from '../../query/time.js';
import { validateFilter } from '../../query/validate.js';
import { requireTimeBound } from '../../query/request.js';

/** Equality shorthands every report accepts: parameter -> span field. */
export const DIMENSION_PARAMS: ReadonlyArray<readonly [string, string]> = [
  ['provider', 'provider'],
  ['model', 'model'],
  ['environment', 'environment'],
  ['user_id', 'user_id'],
  ['status', 'status_code'],
  ['span_name', 'span_name'],
];

export const COMMON_PARAMS = ['from', 'to', 'project_id', ...DIMENSION_PARAMS.map(([p]) => p)] as const;

export type ParamKind = 'text' | 'int' | 'number' | 'list';
export type ParamSpec = Readonly<Record<string, { kind: ParamKind; max?: number; min?: number; maxLength?: number }>>;

/** The raw input of a report: a query string (all text) or a JSON body. */
export type RawParams = Record<string, unknown>;

export interface ReportQuery {
  /** Bounds as requested (relative forms kept: cache keys, TTL). */
  readonly from: string;
  readonly to: string | null;
  /** Projects the caller narrowed the report to (checked against the token by the service). */
  readonly projects: readonly string[] | null;
  /** The dimension shorthands and the body's filter, AND-ed, in wire form (the engine validates it again). */
  readonly wireFilter: unknown;
  /** The same filter validated and normalized (own storage queries, permission checks, cache keys). */
  readonly filter: FilterNode | null;
}

/** The common part of a report request; `defaultFrom` is the contract's default range. */
export function reportQuery(raw: RawParams, defaultFrom: string): ReportQuery {
  const leaves: unknown[] = [];
  for (const [param, field] of DIMENSION_PARAMS) {
    const v = text(raw, param);
    if (v !== undefined) leaves.push({ field, operator: 'eq', value: v });
  }
  if (raw.filter !== undefined && raw.filter !== null) leaves.push(raw.filter);
  const wireFilter = leaves.length === 0 ? null : leaves.length === 1 ? leaves[0] : { operator: 'AND', filters: leaves };
  const project = text(raw, 'project_id');
  return {
    from: requireTimeBound(text(raw, 'from') ?? defaultFrom, 'from'),
    to: ((t) => (t === undefined ? null : requireTimeBound(t, 'to')))(text(raw, 'to')),
    projects: project === undefined ? null : [project],
    wireFilter,
    filter: wireFilter === null ? null : normalize(validateFilter(wireFilter, raw.filter !== undefined ? 'filter' : 'query')),
  };
}

/** [from, to) of a report in epoch ms at `now`. */
export function resolveReportRange(q: Pick<ReportQuery, 'from' | 'to'>, now: number): { fromMs: number; toMs: number } {
  const fromMs = Date.parse(resolveTimeBound(q.from, now));
  const toMs = q.to === null ? now : Date.parse(resolveTimeBound(q.to, now));
  if (!(fromMs < toMs)) throw appError.INVALID_TIME_RANGE('from', 'a bound after `to`');
  return { fromMs, toMs };
}

/** A text parameter (a number in a body is read as its text). */
export function text(raw: RawParams, name: string): string | undefined {
  const v = raw[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string' || v === '') throw appError.INVALID_PARAMETER(name, `must be a non-empty string`);
  return v;
}

/** An integer parameter within [min, max], or `def` when absent. */
export function intParam(raw: RawParams, name: string, def: number, min: number, max: number): number {
  const v = raw[name];
  if (v === undefined || v === null) return def;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw appError.INVALID_PARAMETER(name, `must be an integer from ${min} to ${max}`);
  return n;
}

/** A non-negative decimal parameter (e.g. a money threshold), as exact decimal text. */
export function decimalParam(raw: RawParams, name: string): string | null {
  const v = raw[name];
  if (v === undefined || v === null) return null;
  const s = typeof v === 'number' && Number.isFinite(v) && v >= 0 ? String(v) : typeof v === 'string' ? v : '';
  if (!/^\d{1,15}(\.\d{1,10})?$/.test(s)) throw appError.INVALID_PARAMETER(name, `must be a non-negative decimal number (at most 10 decimals)`);
  return s;
}

/** A list parameter: `a,b,c` in a query string, an array of strings in a body. */
export function listParam(raw: RawParams, name: string): string[] | undefined {
  const v = raw[name];
  if (v === undefined || v === null) return undefined;
  const items = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : null;
  if (items === null || items.some((s) => typeof s !== 'string' || s.trim() === '')) {
    throw appError.INVALID_PARAMETER(name, `must be a comma-separated list of non-empty names`);
  }
  return [...new Set((items as string[]).map((s) => s.trim()))];
}

/** JSON schemas of the GET query string and the POST body of a report with these parameters. */
export function paramSchemas(spec: ParamSpec): { querystring: object; body: object } {
  const common: ParamSpec = Object.fromEntries(COMMON_PARAMS.map((p) => [p, { kind: 'text' as const, maxLength: 256 }]));
  const all = { ...common, ...spec };
  const qs = Object.fromEntries(
    Object.entries(all).map(([name, s]) => [name, { type: 'string', minLength: 1, maxLength: s.kind === 'list' ? 2048 : (s.maxLength ?? 256) }]),
  );
  const bodyProps = Object.fromEntries(
    Object.entries(all).map(([name, s]) => {
      switch (s.kind) {
        // anyOf rather than a type list: each branch keeps its own keywords (Ajv strict mode).
        case 'int':
          return [name, { anyOf: [{ type: 'integer' }, { type: 'string', maxLength: 12 }, { type: 'null' }] }];
        case 'number':
          return [name, { anyOf: [{ type: 'number' }, { type: 'string', maxLength: 32 }, { type: 'null' }] }];
        case 'list':
          return [name, { anyOf: [{ type: 'array', maxItems: 100, items: { type: 'string', maxLength: 256 } }, { type: 'string', maxLength: 2048 }, { type: 'null' }] }];
        default:
          return [name, { type: ['string', 'null'], maxLength: s.maxLength ?? 256 }];
      }
    }),
  );
  return {
    querystring: { type: 'object', additionalProperties: false, properties: qs },
    body: {
      type: 'object',
      additionalProperties: false,
      properties: { ...bodyProps, filter: { type: ['object', 'null'], description: 'The search filter DSL (docs/api.md), AND-ed with the dimension parameters' } },
    },
  };
}
