// Timestamps and time bounds: strict ISO 8601 / RFC 3339 (one grammar, a rule
// per use) or relative `now-<n><unit>`.
// Relative bounds are resolved once per result set (the cursor carries the
// resolved instant), so paging never drifts while `now` moves on.

// The one timestamp grammar: a date, then optionally a time with a zone.
// Each caller states its rule (TimestampRule) instead of keeping a regex of its own.
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})(?:([Tt ])(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2}))?$/;
const RELATIVE_RE = /^now(?:-(\d{1,6})(s|m|h|d|w))?$/;
const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 };

export interface TimestampRule {
  /** At most this many digits of a second's fraction. */
  readonly maxFractionDigits: number;
  /** A date alone (midnight UTC) and a time without seconds are accepted. */
  readonly partial: boolean;
  /** Lower-case `t` and `z` (RFC 3339 allows them). */
  readonly lowerCase: boolean;
  readonly maxOffsetHours: number;
  /** The instants accepted after the zone is applied (epoch ms, inclusive). */
  readonly minMs: number;
  readonly maxMs: number;
}

/** The last instant of year 9999: the latest timestamp anything accepts. */
export const MAX_TIMESTAMP_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Filter values and time bounds: ISO 8601 to the millisecond, a date alone
 * allowed; instants from 1901 (the bound Date.UTC(1, 0, 1) has always meant)
 * to the end of 9999.
 */
export const QUERY_TIMESTAMP: TimestampRule = { maxFractionDigits: 3, partial: true, lowerCase: false, maxOffsetHours: 23, minMs: Date.UTC(1901, 0, 1), maxMs: MAX_TIMESTAMP_MS };

/**
 * Ingested span times: strict RFC 3339 with seconds and a zone, up to
 * nanoseconds (PostgreSQL rounds to microseconds), years from 1.
 */
export const INGEST_TIMESTAMP: TimestampRule = { maxFractionDigits: 9, partial: false, lowerCase: true, maxOffsetHours: 15, minMs: -Infinity, maxMs: Infinity };

const daysInMonth = (y: number, mo: number) => (mo === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(mo) ? 30 : 31);

/** Epoch ms of a timestamp under `rule` (a fraction beyond milliseconds is dropped), or null when it breaks the rule. */
export function parseTimestamp(s: string, rule: TimestampRule): number | null {
  const m = TIMESTAMP_RE.exec(s);
  if (!m) return null;
  const [, ys, mos, ds, sep, hs, mis, secs, frac = '', tz] = m;
  if (sep === undefined ? !rule.partial : secs === undefined && !rule.partial) return null;
  if (!rule.lowerCase && (sep === 't' || tz === 'z')) return null;
  if (frac.length > rule.maxFractionDigits) return null;
  const [y, mo, d, h, mi, sec] = [ys, mos, ds, hs, mis, secs].map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  // A calendar day or clock time that does not exist is an error, never rolled over.
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || sec > 59) return null;
  let offsetMin = 0;
  if (tz !== undefined && tz !== 'Z' && tz !== 'z') {
    const digits = tz.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2));
    if (oh > rule.maxOffsetHours || om > 59) return null;
    offsetMin = (tz[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const t = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, sec, Number(frac.slice(0, 3).padEnd(3, '0')));
  const ms = t.getTime() - offsetMin * 60_000;
  return ms >= rule.minMs && ms <= rule.maxMs ? ms : null;
}

/** Canonical UTC ISO string of a filter or bound timestamp (QUERY_TIMESTAMP), or null when it is not one. */
export function parseIsoTimestamp(s: string): string | null {
  const ms = parseTimestamp(s, QUERY_TIMESTAMP);
  return ms === null ? null : new Date(ms).toISOString();
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
