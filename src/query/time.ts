// Time bounds: strict ISO 8601 (millisecond precision) or relative `now-<n><unit>`.
// Relative bounds are resolved once per result set (the cursor carries the
// resolved instant), so paging never drifts while `now` moves on.

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2}))?$/;
const RELATIVE_RE = /^now(?:-(\d{1,6})(s|m|h|d|w))?$/;
const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 };

/** Canonical UTC ISO string of a strict ISO 8601 timestamp, or null when it is not one. */
export function parseIsoTimestamp(s: string): string | null {
  const m = ISO_RE.exec(s);
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', sec = '00', frac = '', tz = 'Z'] = m;
  const base = Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +sec, Number(frac.padEnd(3, '0')));
  const check = new Date(base);
  // Date.UTC silently rolls 2026-02-30 over to March; a calendar that does not exist is an error.
  if (
    check.getUTCFullYear() !== +y! || check.getUTCMonth() !== +mo! - 1 || check.getUTCDate() !== +d! ||
    check.getUTCHours() !== +h || check.getUTCMinutes() !== +mi || check.getUTCSeconds() !== +sec
  ) {
    return null;
  }
  let offsetMin = 0;
  if (tz !== 'Z') {
    const sign = tz[0] === '-' ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2));
    if (oh > 23 || om > 59) return null;
    offsetMin = sign * (oh * 60 + om);
  }
  const ms = base - offsetMin * 60_000;
  if (!Number.isFinite(ms) || ms < Date.UTC(1, 0, 1) || ms > Date.UTC(9999, 11, 31, 23, 59, 59, 999)) return null;
  return new Date(ms).toISOString();
}

/** A time bound as the request states it: canonical ISO, or a relative expression kept as written. */
export function parseTimeBound(s: string): string | null {
  if (RELATIVE_RE.test(s)) return s;
  return parseIsoTimestamp(s);
}

/** The instant of a (valid) bound at `now`. */
export function resolveTimeBound(bound: string, now: number): string {
  const m = RELATIVE_RE.exec(bound);
  if (!m) return bound;
  const offset = m[1] ? Number(m[1]) * UNIT_MS[m[2]!]! : 0;
  return new Date(now - offset).toISOString();
}
