// Key paths into the `attributes` JSON column. `attributes.user.tier` walks
// nested objects; a key that itself contains a dot (or a quote) is written as
// a JSON string segment: `attributes."k8s.pod".name`. Keys only ever reach SQL
// as parameters, so this parser decides meaning, not safety.
import { LIMITS } from './limits.js';

/** The keys of the path after `attributes.`, or an error message. */
export function parseAttributePath(rest: string): string[] | { error: string } {
  const keys: string[] = [];
  let i = 0;
  while (i <= rest.length) {
    let key: string;
    if (rest[i] === '"') {
      const end = closingQuote(rest, i);
      if (end < 0) return { error: 'has an unterminated quoted key' };
      try {
        key = JSON.parse(rest.slice(i, end + 1)) as string;
      } catch {
        return { error: 'has a malformed quoted key' };
      }
      i = end + 1;
    } else {
      const dot = rest.indexOf('.', i);
      const stop = dot < 0 ? rest.length : dot;
      key = rest.slice(i, stop);
      if (key.includes('"')) return { error: 'has a quote inside an unquoted key (quote the whole key)' };
      i = stop;
    }
    if (key.length === 0) return { error: 'has an empty key' };
    if (key.length > LIMITS.maxKeyLength) return { error: `has a key longer than ${LIMITS.maxKeyLength} characters` };
    keys.push(key);
    if (keys.length > LIMITS.maxPathSegments) return { error: `has more than ${LIMITS.maxPathSegments} keys` };
    if (i === rest.length) break;
    if (rest[i] !== '.') return { error: 'needs a dot between keys' };
    i++;
    if (i === rest.length) return { error: 'ends with a dot' };
  }
  return keys;
}

function closingQuote(s: string, start: number): number {
  for (let j = start + 1; j < s.length; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === '"') return j;
  }
  return -1;
}
