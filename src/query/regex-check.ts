// Catches, before a pattern reaches PostgreSQL:
//  - obviously broken patterns (which PostgreSQL would answer with 2201B, also
//    a 400): unbalanced parentheses or brackets, a trailing backslash;
//  - the constructs that make PostgreSQL's matcher super-linear: back
//    references (\1-\9) and lookaround constraints ((?=, (?!, (?<=, (?<!).
//    Without them PostgreSQL matches with automata in time linear in the
//    text; with them `(.+)\1\1` or `(?=.*x)` over a 100 kB text runs for
//    minutes. The statement timeout would cancel that on PostgreSQL, but the
//    embedded engine runs on the event loop and cannot cancel a statement at
//    all, so these are refused for every engine (docs/security.md);
//  - counted repetitions nested so deeply that their counts multiply past
//    MAX_REPETITION: PostgreSQL copies the repeated part once per count, so
//    `((a{1,100}){1,100}){1,100}` is a million-state automaton ("too complex"
//    on PostgreSQL after a while; the embedded engine never returns).
// The full POSIX grammar stays PostgreSQL's to judge.

/** Largest product of nested {m,n} counts a pattern may have. */
export const MAX_REPETITION = 1000;

/** A short description of the problem, or null when the pattern looks well formed and linear-time. */
export function checkRegex(pattern: string): string | null {
  let p = pattern;
  // ARE directors: `***=` makes the rest a literal string; `***:` just says "ARE".
  if (p.startsWith('***=')) return null;
  if (p.startsWith('***:')) p = p.slice(4);
  // Expanded syntax ignores white space, so `( ?=` is a lookahead there: refuse
  // the mode rather than parse its comments and spacing.
  const options = /^\(\?([a-z]+)\)/.exec(p);
  if (options && options[1]!.includes('x')) return 'uses expanded syntax (?x), which is not supported';
  // One entry per open group: the largest repetition product inside it so far.
  const groups: number[] = [1];
  // Repetition product of the atom just before the current position (what a {m,n} applies to).
  let last = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      if (i === p.length - 1) return 'ends with a lone backslash';
      if (/[1-9]/.test(p[i + 1]!)) return 'uses a back reference (\\1 to \\9), which is not supported';
      i++;
      last = 1;
    } else if (c === '[') {
      const end = bracketEnd(p, i);
      if (end < 0) return 'has an unterminated [ bracket expression';
      i = end;
      last = 1;
    } else if (c === '(') {
      if (/^\?(=|!|<)/.test(p.slice(i + 1, i + 3))) return 'uses a lookahead or lookbehind constraint, which is not supported';
      groups.push(1);
      last = 0;
    } else if (c === ')') {
      if (groups.length === 1) return 'has an unmatched )';
      last = groups.pop()!;
    } else if (c === '{') {
      const bound = /^\{(\d{1,6})(,(\d{0,6}))?\}/.exec(p.slice(i));
      if (bound && last > 0) {
        const max = bound[3] ? Number(bound[3]) : Number(bound[1]);
        last *= Math.max(max, 1);
        if (last > MAX_REPETITION) return `nests counted repetitions {m,n} beyond a product of ${MAX_REPETITION}`;
        i += bound[0].length - 1;
      }
    } else {
      last = 1;
    }
    const top = groups.length - 1;
    groups[top] = Math.max(groups[top]!, last);
  }
  return groups.length === 1 ? null : 'has an unmatched (';
}

// Index of the `]` closing the bracket expression that opens at `start`. A `]`
// right after `[` or `[^` is a literal, `[:class:]`, `[.x.]`, `[=x=]` nest,
// and (in PostgreSQL's ARE syntax) a backslash escapes the next character.
function bracketEnd(p: string, start: number): number {
  let i = start + 1;
  if (p[i] === '^') i++;
  if (p[i] === ']') i++;
  for (; i < p.length; i++) {
    if (p[i] === '\\') {
      i++;
    } else if (p[i] === '[' && (p[i + 1] === ':' || p[i + 1] === '.' || p[i + 1] === '=')) {
      const close = p.indexOf(`${p[i + 1]}]`, i + 2);
      if (close < 0) return -1;
      i = close + 1;
    } else if (p[i] === ']') {
      return i;
    }
  }
  return -1;
}

const REGEX_META = new Set(['^', '$', '.', '[', ']', '(', ')', '*', '+', '?', '{', '}', '|']);
const QUANTIFIER = new Set(['*', '?', '{', '+']);

/**
 * A literal that every string matching `pattern` contains (PostgreSQL ARE,
 * case-sensitive), or '' when none is known: the run of plain characters
 * after an optional leading `^`, up to the first metacharacter, without its
 * last character when a quantifier follows. Conservative on purpose: any
 * `|`, a director (`***`) or leading options (`(?i)`, `(?x)`) give ''; an
 * escape is taken only for a non-alphanumeric character (`\.`: the dot
 * itself; `\d`, `\m`, `\1`, `\x41` end the run). Counted in code points, so a
 * surrogate pair is never split.
 */
export function requiredLiteral(pattern: string): string {
  if (pattern.startsWith('***') || pattern.startsWith('(?') || pattern.includes('|')) return '';
  const cps = Array.from(pattern);
  let i = cps[0] === '^' ? 1 : 0;
  const lit: string[] = [];
  while (i < cps.length) {
    const c = cps[i]!;
    if (c === '\\') {
      const next = cps[i + 1];
      if (next === undefined || /[\p{L}\p{N}_]/u.test(next)) break;
      lit.push(next);
      i += 2;
    } else if (REGEX_META.has(c)) {
      break;
    } else {
      lit.push(c);
      i++;
    }
  }
  // The last atom may be repeated zero times (`*`, `?`, `{0,n}`); `+` keeps it, but one rule is simpler to trust.
  if (i < cps.length && QUANTIFIER.has(cps[i]!)) lit.pop();
  return lit.join('');
}
