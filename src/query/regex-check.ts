// Catches obviously broken regular expressions before they reach PostgreSQL
// (which would answer 2201B, also a 400): unbalanced parentheses or brackets and
// a trailing backslash. The full POSIX grammar stays PostgreSQL's to judge.

/** A short description of the problem, or null when the pattern looks well formed. */
export function checkRegex(pattern: string): string | null {
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (i === pattern.length - 1) return 'ends with a lone backslash';
      i++;
    } else if (c === '[') {
      const end = bracketEnd(pattern, i);
      if (end < 0) return 'has an unterminated [ bracket expression';
      i = end;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      if (--depth < 0) return 'has an unmatched )';
    }
  }
  return depth === 0 ? null : 'has an unmatched (';
}

// Index of the `]` closing the bracket expression that opens at `start`. A `]`
// right after `[` or `[^` is a literal, and `[:class:]`, `[.x.]`, `[=x=]` nest.
function bracketEnd(p: string, start: number): number {
  let i = start + 1;
  if (p[i] === '^') i++;
  if (p[i] === ']') i++;
  for (; i < p.length; i++) {
    if (p[i] === '[' && (p[i + 1] === ':' || p[i + 1] === '.' || p[i + 1] === '=')) {
      const close = p.indexOf(`${p[i + 1]}]`, i + 2);
      if (close < 0) return -1;
      i = close + 1;
    } else if (p[i] === ']') {
      return i;
    }
  }
  return -1;
}
