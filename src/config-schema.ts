// The declarative pieces of the configuration schema: one constructor per
// value kind, each carrying its variable name, default, bounds and one-line
// meaning. src/config.ts declares every variable once with these; the
// Config type, the validation and the README table are derived from that.
import { resolve } from 'node:path';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** One environment variable: how it parses and how the README describes it. */
export interface Variable<T> {
  readonly kind: 'variable';
  readonly env: string;
  readonly meaning: string;
  /** The README's default column. */
  readonly defaultText: string;
  /** The README's allowed-values column. */
  readonly allowed: string;
  /** raw is the trimmed value, or null when the variable is unset or blank. */
  parse(raw: string | null): T;
}

interface Doc {
  meaning: string;
  /** Overrides the printed default (when it is computed, e.g. "90 % of the heap limit"). */
  defaultText?: string;
}

const code = (v: string | number | boolean) => `\`${v}\``;

function variable<T>(env: string, doc: Doc, defaultText: string, allowed: string, parse: (raw: string | null) => T): Variable<T> {
  return { kind: 'variable', env, meaning: doc.meaning, defaultText: doc.defaultText ?? defaultText, allowed, parse };
}

export function int(env: string, def: number, bounds: { min: number; max?: number }, doc: Doc): Variable<number> {
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  const allowed = bounds.max === undefined ? `integer ≥ ${bounds.min}` : `integer ${bounds.min}–${bounds.max}`;
  return variable(env, doc, code(def), allowed, (raw) => {
    if (raw === null) return def;
    if (!/^-?\d+$/.test(raw)) throw new ConfigError(env, `expected an integer, got '${raw}'`);
    const n = Number(raw);
    if (n < bounds.min || n > max) throw new ConfigError(env, `must be between ${bounds.min} and ${max}, got ${n}`);
    return n;
  });
}

export function bool(env: string, def: boolean, doc: Doc): Variable<boolean> {
  return variable(env, doc, code(def), '`true`/`false` (also 1/0, yes/no, on/off)', (raw) => {
    if (raw === null) return def;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new ConfigError(env, `expected true or false, got '${raw}'`);
  });
}

export function text(env: string, def: string, doc: Doc): Variable<string> {
  return variable(env, doc, code(def), 'text', (raw) => raw ?? def);
}

/** Optional text; `minBytes` for secrets. */
export function optionalText(env: string, doc: Doc & { minBytes?: number }): Variable<string | null> {
  const min = doc.minBytes;
  return variable(env, doc, '(unset)', min === undefined ? 'text' : `text of ${min}+ bytes`, (raw) => {
    if (raw !== null && min !== undefined && Buffer.byteLength(raw) < min) throw new ConfigError(env, `must be at least ${min} bytes long`);
    return raw;
  });
}

export function oneOf<const T extends string>(env: string, def: T, values: readonly T[], doc: Doc): Variable<T> {
  return variable(env, doc, code(def), values.map(code).join(', '), (raw) => {
    const v = (raw ?? def).toLowerCase();
    if (!(values as readonly string[]).includes(v)) throw new ConfigError(env, `must be one of ${values.join(', ')}`);
    return v as T;
  });
}

export function url(env: string, protocols: readonly string[], doc: Doc): Variable<string | null> {
  return variable(env, doc, '(unset)', `${protocols.map((p) => code(`${p}//`)).join(' or ')} URL`, (raw) => {
    if (raw === null) return null;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(env, 'is not a valid URL');
    }
    if (!protocols.includes(parsed.protocol)) throw new ConfigError(env, `must use ${protocols.join(' or ')}, got '${parsed.protocol}'`);
    return raw;
  });
}

/** A directory, resolved against the working directory at start. */
export function path(env: string, def: string, doc: Doc): Variable<string> {
  return variable(env, doc, code(def), 'directory path', (raw) => resolve(raw ?? def));
}

/** A tree of variables; its leaves are Variables, its inner nodes plain objects. */
export interface SchemaNode {
  readonly [key: string]: Variable<unknown> | SchemaNode;
}

/** The value type a schema tree describes. */
export type Infer<S> = { readonly [K in keyof S]: S[K] extends Variable<infer T> ? T : Infer<S[K]> };

export function isVariable(v: Variable<unknown> | SchemaNode): v is Variable<unknown> {
  return (v as Variable<unknown>).kind === 'variable';
}

/** Every variable of a tree in declaration order (the README's row order). */
export function variablesOf(node: SchemaNode): Variable<unknown>[] {
  return Object.values(node).flatMap((v) => (isVariable(v) ? [v] : variablesOf(v)));
}

type Env = Record<string, string | undefined>;

/** Parses the environment through the tree; the result is deep-frozen. */
export function parseSchema<S extends SchemaNode>(node: S, env: Env): Infer<S> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(node)) {
    if (isVariable(v)) {
      const raw = env[v.env];
      out[key] = v.parse(raw === undefined || raw.trim() === '' ? null : raw.trim());
    } else {
      out[key] = parseSchema(v, env);
    }
  }
  return Object.freeze(out) as Infer<S>;
}

/** The README's configuration table. */
export function configTable(node: SchemaNode): string {
  const rows = variablesOf(node).map((v) => `| \`${v.env}\` | ${v.defaultText} | ${v.allowed} | ${v.meaning.replace(/\|/g, '\\|')} |`);
  return ['| variable | default | allowed | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
