// Wire JSON -> AST. Every error is a 400 naming the JSON path of the offending
// node (`filter.filters[2].value`). Size limits are checked by an iterative
// walk first, so a 10,000-deep NOT chain is rejected without recursing into it;
// the recursive build below only ever sees trees within the depth limit.
import { appError } from '../errors.js';
import type { FilterNode, Scalar, Target, Value } from './ast.js';
import { parseAttributePath } from './attribute-path.js';
import {
  ATTRIBUTES_PREFIX,
  CONTENT_FIELD,
  OPERATORS,
  OPERATORS_BY_TYPE,
  lookupField,
  type FieldType,
  type Operator,
} from './fields.js';
import { LIMITS } from './limits.js';
import { checkRegex } from './regex-check.js';
import { parseIsoTimestamp } from './time.js';

const LOGICAL = new Set(['and', 'or', 'not']);
const LEAF_KEYS = new Set(['field', 'operator', 'value']);
const LOGICAL_KEYS = new Set(['operator', 'filters']);

export function invalid(path: string, problem: string): never {
  throw appError.INVALID_FILTER(path, problem);
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Text for echoing user input in messages: bounded, and JSON-quoted so control characters stay visible. */
export function echo(s: string): string {
  return JSON.stringify(s.length > LIMITS.echoLength ? `${s.slice(0, LIMITS.echoLength)}…` : s);
}

interface Pending {
  node: unknown;
  depth: number;
  parent: Pending | null;
  index: number;
}

function pathOf(p: Pending, root: string): string {
  const parts: string[] = [];
  for (let q: Pending | null = p; q && q.parent; q = q.parent) parts.push(`.filters[${q.index}]`);
  return root + parts.reverse().join('');
}

/** Depth and node-count limits, checked without recursion. */
function checkSize(root: unknown, rootPath: string): void {
  const stack: Pending[] = [{ node: root, depth: 1, parent: null, index: 0 }];
  let count = 0;
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (++count > LIMITS.maxNodes) invalid(pathOf(p, rootPath), `exceeds the limit of ${LIMITS.maxNodes} filter nodes`);
    if (!isObject(p.node)) continue; // reported with its path by the build
    const children = p.node.filters;
    if (!Array.isArray(children)) continue;
    if (children.length > LIMITS.maxNodes) {
      invalid(`${pathOf(p, rootPath)}.filters`, `has more than ${LIMITS.maxNodes} entries`);
    }
    if (children.length > 0 && p.depth + 1 > LIMITS.maxDepth) {
      invalid(`${pathOf(p, rootPath)}.filters`, `nests deeper than the limit of ${LIMITS.maxDepth} levels`);
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i], depth: p.depth + 1, parent: p, index: i });
  }
}

/** Validates a wire filter tree into an AST (not yet normalized). */
export function validateFilter(wire: unknown, rootPath = 'filter'): FilterNode {
  checkSize(wire, rootPath);
  return build(wire, rootPath);
}

function build(node: unknown, path: string): FilterNode {
  if (!isObject(node)) invalid(path, 'must be an object: a condition {field, operator, value} or a group {operator, filters}');
  if ('filters' in node || ('operator' in node && !('field' in node) && isLogicalName(node.operator))) {
    return buildLogical(node, path);
  }
  if (!('field' in node)) {
    invalid(path, 'must be a condition {field, operator, value} or a group {operator: AND|OR|NOT, filters}');
  }
  return buildLeaf(node, path);
}

function isLogicalName(op: unknown): boolean {
  return typeof op === 'string' && LOGICAL.has(op.toLowerCase());
}

function checkKeys(node: Obj, allowed: Set<string>, path: string): void {
  for (const key of Object.keys(node)) {
    if (!allowed.has(key)) invalid(`${path}.${safeKey(key)}`, 'is not an allowed key here');
  }
}

function safeKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(key) ? key : `[${echo(key)}]`;
}

function buildLogical(node: Obj, path: string): FilterNode {
  checkKeys(node, LOGICAL_KEYS, path);
  const op = node.operator;
  if (!isLogicalName(op)) invalid(`${path}.operator`, 'must be AND, OR or NOT for a node with filters');
  const children = node.filters;
  if (!Array.isArray(children)) invalid(`${path}.filters`, 'must be an array of filter nodes');
  const kind = (op as string).toLowerCase() as 'and' | 'or' | 'not';
  if (kind === 'not') {
    if (children.length !== 1) invalid(`${path}.filters`, `must hold exactly one filter for NOT (got ${children.length})`);
    return { kind: 'not', child: build(children[0], `${path}.filters[0]`) };
  }
  if (children.length === 0) invalid(`${path}.filters`, `must not be empty for ${kind.toUpperCase()}`);
  return { kind, children: children.map((c, i) => build(c, `${path}.filters[${i}]`)) };
}

function buildLeaf(node: Obj, path: string): FilterNode {
  checkKeys(node, LEAF_KEYS, path);
  const target = resolveTarget(node.field, `${path}.field`);
  const rawOp = node.operator;
  if (typeof rawOp !== 'string') invalid(`${path}.operator`, 'must be a string');
  const op = rawOp.toLowerCase() as Operator;
  if (!(OPERATORS as readonly string[]).includes(op)) invalid(`${path}.operator`, `is not a known operator: ${echo(rawOp)}`);
  const type = targetType(target);
  const allowed = type === 'content' ? ['search'] : OPERATORS_BY_TYPE[type];
  if (!allowed.includes(op)) {
    invalid(`${path}.operator`, `'${op}' is not allowed for field ${echo(String(node.field))} (type ${type})`);
  }
  if (!('value' in node)) invalid(`${path}.value`, 'is required (use null to test for absence)');
  const value = checkValue(type, op, node.value, `${path}.value`);
  return { kind: 'predicate', target, op, value, negated: false };
}

function resolveTarget(field: unknown, path: string): Target {
  if (typeof field !== 'string') invalid(path, 'must be a string');
  if (field === CONTENT_FIELD) return { kind: 'content' };
  if (field.startsWith(ATTRIBUTES_PREFIX)) {
    const keys = parseAttributePath(field.slice(ATTRIBUTES_PREFIX.length));
    if (!Array.isArray(keys)) invalid(path, `attributes path ${echo(field)} ${keys.error}`);
    for (const k of keys) checkString(k, path, LIMITS.maxKeyLength);
    return { kind: 'attribute', path: keys };
  }
  const def = lookupField(field);
  if (!def) invalid(path, `field ${echo(field)} is not allowed`);
  if (def.type === 'attributes') invalid(path, 'needs a key path: attributes.<key>[.<key>...]');
  return { kind: 'column', field: def };
}

type TargetType = FieldType | 'content';

function targetType(t: Target): TargetType {
  return t.kind === 'column' ? t.field.type : t.kind === 'attribute' ? 'attributes' : 'content';
}

/** Rejects what PostgreSQL text cannot hold faithfully: NUL bytes and lone surrogates. */
function checkString(s: string, path: string, max: number = LIMITS.maxString): string {
  if (s.length > max) invalid(path, `is longer than ${max} characters`);
  if (s.includes('\u0000')) invalid(path, 'contains a NUL character');
  if (/[\uD800-\uDFFF]/u.test(s)) invalid(path, 'contains an unpaired surrogate (not valid Unicode)');
  return s;
}

type Kind = 'text' | 'integer' | 'decimal' | 'timestamp' | 'json';

function scalarOf(kind: Kind, v: unknown, path: string): Scalar {
  switch (kind) {
    case 'text':
      if (typeof v !== 'string') invalid(path, 'must be a string');
      return checkString(v, path);
    case 'integer':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) invalid(path, 'must be an integer');
      return v;
    case 'decimal':
      if (typeof v !== 'number' || !Number.isFinite(v)) invalid(path, 'must be a finite number');
      // JSON numbers are read as their shortest decimal text: 0.1 means exactly 0.1.
      return String(v);
    case 'timestamp': {
      if (typeof v !== 'string') invalid(path, 'must be an ISO 8601 timestamp string');
      const iso = parseIsoTimestamp(v);
      if (iso === null) invalid(path, `is not a valid ISO 8601 timestamp: ${echo(v)}`);
      return iso;
    }
    case 'json':
      if (typeof v === 'string') return checkString(v, path);
      if (typeof v === 'boolean') return v;
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      invalid(path, 'must be a string, a finite number or a boolean');
  }
}

function listOf(kind: Kind, v: unknown, path: string): Scalar[] {
  if (!Array.isArray(v)) invalid(path, 'must be an array');
  if (v.length === 0) invalid(path, 'must not be empty');
  if (v.length > LIMITS.maxInList) invalid(path, `has more than ${LIMITS.maxInList} values`);
  return v.map((x, i) => {
    if (x === null) invalid(`${path}[${i}]`, 'must not be null (use eq/ne null to test for absence)');
    return scalarOf(kind, x, `${path}[${i}]`);
  });
}

const SCALAR_KIND: Record<Exclude<TargetType, 'tags' | 'content'>, Kind> = {
  text: 'text',
  integer: 'integer',
  decimal: 'decimal',
  timestamp: 'timestamp',
  attributes: 'json',
};

function checkValue(type: TargetType, op: Operator, v: unknown, path: string): Value {
  if (op === 'search') {
    if (typeof v !== 'string' || v.trim() === '') invalid(path, 'must be a non-empty search text');
    return checkString(v, path);
  }
  if (op === 'regex') {
    if (typeof v !== 'string' || v === '') invalid(path, 'must be a non-empty regular expression');
    checkString(v, path, LIMITS.maxRegex);
    const problem = checkRegex(v);
    if (problem) throw appError.UNSUPPORTED_REGEX(path, problem);
    return v;
  }
  if (op === 'contains' || op === 'not_contains' || op === 'starts_with' || op === 'ends_with') {
    if (type === 'tags' && Array.isArray(v)) return listOf('text', v, path);
    return scalarOf('text', v, path);
  }
  if (op === 'in' || op === 'not_in') {
    return listOf(type === 'tags' ? 'text' : SCALAR_KIND[type as keyof typeof SCALAR_KIND], v, path);
  }
  if (type === 'tags') {
    // eq/ne on tags: "holds this tag" / "does not hold it"; an array never equals a null.
    return scalarOf('text', v, path);
  }
  const kind = SCALAR_KIND[type as keyof typeof SCALAR_KIND];
  if (op === 'eq' || op === 'ne') return v === null ? null : scalarOf(kind, v, path);
  // gt/gte/lt/lte: numbers and timestamps only; on attributes, numbers only.
  if (type === 'attributes') {
    if (typeof v !== 'number' || !Number.isFinite(v)) invalid(path, 'must be a finite number for an ordering comparison');
    return v;
  }
  if (v === null) invalid(path, `must not be null for '${op}'`);
  return scalarOf(kind, v, path);
}
