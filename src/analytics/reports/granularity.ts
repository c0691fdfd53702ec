// The time-series bucket of a report: an interval of the metrics engine, or
// `auto`, which keeps a chart between about 24 and 400 points.
import { appError } from '../../errors.js';
import { echo } from '../../query/validate.js';
import { INTERVAL_SPELLINGS, lookupInterval } from '../intervals.js';
import { text, type RawParams } from './params.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** auto: 5m up to 12 h, 15m up to 2 days, 1h up to 14 days, 1d up to 1 year, else 1w. */
export function autoGranularity(rangeMs: number): string {
  if (rangeMs <= 12 * HOUR) return '5m';
  if (rangeMs <= 2 * DAY) return '15m';
  if (rangeMs <= 14 * DAY) return '1h';
  if (rangeMs <= 366 * DAY) return '1d';
  return '1w';
}

/** The `granularity` parameter: `auto` (default) or an interval name; resolved against the range later. */
export function granularityParam(raw: RawParams): string {
  const g = text(raw, 'granularity') ?? 'auto';
  if (g !== 'auto' && lookupInterval(g) === undefined) {
    throw appError.INVALID_PARAMETER('granularity', `must be auto or one of ${INTERVAL_SPELLINGS.join(', ')} (got ${echo(g)})`);
  }
  return g;
}

export function resolveGranularity(g: string, fromMs: number, toMs: number): string {
  return g === 'auto' ? autoGranularity(toMs - fromMs) : lookupInterval(g)!.name;
}
