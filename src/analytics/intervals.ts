// Time buckets of the metrics API: interval names, their SQL bucket
// expression, which rollup grains line up with them, and the range limits.
import type { Grain } from './catalog.js';

export type IntervalName = '1m' | '5m' | '15m' | '1h' | '6h' | '1d' | '1w';

export interface IntervalDef {
  readonly name: IntervalName;
  /** Nominal length (a local day or week may differ by a DST hour). */
  readonly ms: number;
  /** Longest range this interval may cover (a 400 METRICS_RANGE_TOO_LONG beyond). */
  readonly maxRangeMs: number;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export const INTERVALS: Readonly<Record<IntervalName, IntervalDef>> = {
  '1m': { name: '1m', ms: MIN, maxRangeMs: 7 * DAY },
  '5m': { name: '5m', ms: 5 * MIN, maxRangeMs: 35 * DAY },
  '15m': { name: '15m', ms: 15 * MIN, maxRangeMs: 105 * DAY },
  '1h': { name: '1h', ms: HOUR, maxRangeMs: 731 * DAY },
  '6h': { name: '6h', ms: 6 * HOUR, maxRangeMs: 5 * 366 * DAY },
  '1d': { name: '1d', ms: DAY, maxRangeMs: 10 * 366 * DAY },
  '1w': { name: '1w', ms: 7 * DAY, maxRangeMs: 20 * 366 * DAY },
};
/** Longest range of a query without interval (one total per group). */
export const MAX_TOTAL_RANGE_MS = 20 * 366 * DAY;

/** The contract's spellings, plus the seed system's. */
const SPELLINGS: Readonly<Record<string, IntervalName>> = {
  '1m': '1m', '1min': '1m', '5m': '5m', '5min': '5m', '15m': '15m', '15min': '15m',
  '1h': '1h', '1hour': '1h', '6h': '6h', '6hour': '6h', '1d': '1d', '1day': '1d', '1w': '1w', '1week': '1w',
};
export const INTERVAL_SPELLINGS: readonly string[] = Object.keys(SPELLINGS);

export function lookupInterval(s: string): IntervalDef | undefined {
  const name = SPELLINGS[s];
  return name === undefined ? undefined : INTERVALS[name];
}

/** Fixed origin of the date_bin intervals (a Saturday midnight UTC; 5m, 15m and 6h align to it). */
const BIN_ORIGIN = `TIMESTAMPTZ '2000-01-01 00:00:00+00'`;
const BIN_WIDTH: Partial<Record<IntervalName, string>> = { '5m': '5 minutes', '15m': '15 minutes', '6h': '6 hours' };

/** Whether bucketSql needs the time zone (as a parameter placeholder). */
export function usesTimeZone(interval: IntervalDef | null): boolean {
  return interval?.name === '1d' || interval?.name === '1w';
}

/**
 * SQL of the bucket start of time expression `t`. Day and week buckets follow
 * the time zone `tz` (SQL text of a parameter; week starts Monday); the rest are UTC-aligned.
 */
export function bucketSql(interval: IntervalDef, t: string, tz: string): string {
  switch (interval.name) {
    case '1m':
      return `date_trunc('minute', ${t}, 'UTC')`;
    case '1h':
      return `date_trunc('hour', ${t}, 'UTC')`;
    case '1d':
      return `date_trunc('day', ${t}, ${tz})`;
    case '1w':
      return `date_trunc('week', ${t}, ${tz})`;
    default:
      return `date_bin(INTERVAL '${BIN_WIDTH[interval.name]}', ${t}, ${BIN_ORIGIN})`;
  }
}

/** Step of generate_series that visits every bucket of the range at least once (fill). */
export function fillStep(interval: IntervalDef): string {
  switch (interval.name) {
    case '1d':
      return '1 hour'; // a local day is 23 to 25 hours long
    case '1w':
      return '1 day';
    default:
      return `${interval.ms / MIN} minutes`;
  }
}

const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Etc/Universal', 'Universal', 'Zulu', 'Etc/Zulu']);
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether an IANA zone name is known (Intl and PostgreSQL share the tz database). */
export function isTimeZone(tz: string): boolean {
  try {
    offsetFormatter(tz);
    return true;
  } catch {
    return false;
  }
}

function offsetFormatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' });
    formatters.set(tz, f);
  }
  return f;
}

/** UTC offset of `tz` at an instant, in minutes. */
export function offsetMinutes(tz: string, ms: number): number {
  const name = offsetFormatter(tz).formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

/**
 * Whether the instant `ms` is where a bucket of `interval` starts, so that the
 * buckets of the time before it and after it are different ones. Day and week
 * buckets are only recognised in UTC (false elsewhere: a caller then merges as
 * if buckets could be shared, which is always correct).
 */
export function isBucketStart(interval: IntervalDef, timeZone: string, ms: number): boolean {
  switch (interval.name) {
    case '1d':
      return UTC_NAMES.has(timeZone) && ms % DAY === 0;
    case '1w':
      // 1970-01-05, day 4 of the epoch, was a Monday.
      return UTC_NAMES.has(timeZone) && ms % DAY === 0 && (((ms / DAY - 4) % 7) + 7) % 7 === 0;
    default:
      // Minutes and hours are epoch-aligned; date_bin's origin (2000-01-01 UTC) is a multiple of 6 hours.
      return ms % interval.ms === 0;
  }
}

/**
 * Whether every bucket of `interval` over [from, to) is a union of whole
 * `grain` buckets (grain buckets are UTC). Local days and weeks line up with
 * hours when the zone's offset stays whole hours, with UTC days only when the
 * offset stays zero. The offset is sampled daily across the range: a
 * non-conforming offset that lasts less than a day is not a real zone's rule.
 */
export function grainFits(grain: Grain, interval: IntervalDef | null, timeZone: string, fromMs: number, toMs: number): boolean {
  if (interval === null || grain === '1m') return true;
  // A week row is one output bucket only in a weekly series of UTC (Monday) weeks.
  if (grain === '1w') return interval.name === '1w' && UTC_NAMES.has(timeZone);
  const name = interval.name;
  if (name === '1m' || name === '5m' || name === '15m') return false;
  if (name === '1h' || name === '6h') return grain === '1h';
  if (UTC_NAMES.has(timeZone)) return true;
  const unit = grain === '1h' ? 60 : 24 * 60;
  for (let t = fromMs; ; t = Math.min(t + DAY, toMs)) {
    if (offsetMinutes(timeZone, t) % unit !== 0) return false;
    if (t >= toMs) return true;
  }
}
