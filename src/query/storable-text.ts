// Strings PostgreSQL cannot store faithfully. text and jsonb reject U+0000
// (error 22P05 after the whole batch reached the database), and a lone UTF-16
// surrogate is silently replaced by U+FFFD when encoded as UTF-8. Both are
// client bugs we report by field instead.

// eslint-disable-next-line no-control-regex
const NUL_RE = /\u0000/;
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_ALL_RE = new RegExp(`${NUL_RE.source}|${LONE_SURROGATE_RE.source}`, 'g');

// Plain character classes: far cheaper to scan than the lookarounds of the
// exact check, and false only when the text certainly needs no repair.
// eslint-disable-next-line no-control-regex
const SUSPECT_RE = /[\u0000\uD800-\uDFFF]/;
// The same test on JSON text: JSON.stringify escapes NUL and lone surrogates.
const SUSPECT_JSON_RE = /\\u0000|\\ud[89a-f]/i;

/** A fast pre-check: false means the string is storable; true means run the exact check. */
export function mayBeUnstorable(s: string): boolean {
  return SUSPECT_RE.test(s);
}

/** mayBeUnstorable for the text of JSON.stringify (where NUL and lone surrogates appear escaped). */
export function jsonMayBeUnstorable(json: string): boolean {
  return SUSPECT_JSON_RE.test(json);
}

/** Why the string cannot be stored, or null when it can. */
export function unstorableText(s: string): string | null {
  if (NUL_RE.test(s)) return 'must not contain NUL (\\u0000) characters';
  if (LONE_SURROGATE_RE.test(s)) return 'must be valid Unicode (contains a lone surrogate)';
  return null;
}

/** The string with NUL and lone surrogates replaced by U+FFFD (for input that is repaired, not rejected). */
export function toStorableText(s: string): string {
  return unstorableText(s) === null ? s : s.replace(UNSTORABLE_ALL_RE, '\uFFFD');
}

/**
 * Checks every key and string value inside a JSON value, iteratively and
 * bounded in depth, so a hostile nesting cannot exhaust the stack.
 * Returns [relative path, reason] of the first problem, or null.
 */
export function unstorableJson(value: unknown, maxDepth: number): [string, string] | null {
  const stack: [unknown, string, number][] = [[value, '', 0]];
  while (stack.length) {
    const [v, path, depth] = stack.pop()!;
    if (typeof v === 'string') {
      const why = unstorableText(v);
      if (why) return [path, why];
    } else if (v !== null && typeof v === 'object') {
      if (depth >= maxDepth) return [path, `nests deeper than ${maxDepth} levels`];
      if (Array.isArray(v)) {
        v.forEach((item, i) => stack.push([item, `${path}[${i}]`, depth + 1]));
      } else {
        for (const [k, item] of Object.entries(v)) {
          const why = unstorableText(k);
          if (why) return [`${path}.${k.replace(/[^\x20-\x7e]/g, '?')}`, `key ${why}`];
          stack.push([item, `${path}.${k}`, depth + 1]);
        }
      }
    } else if (typeof v === 'number' && !Number.isFinite(v)) {
      return [path, 'must hold only finite numbers'];
    }
  }
  return null;
}
