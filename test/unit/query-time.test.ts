// The one timestamp grammar under its two rules: filter values and time
// bounds (QUERY_TIMESTAMP) and ingested span times (INGEST_TIMESTAMP).
import { describe, expect, it } from 'vitest';
import { INGEST_TIMESTAMP, MAX_TIMESTAMP_MS, parseIsoTimestamp, parseTimestamp, QUERY_TIMESTAMP } from '../../src/query/time.js';

const both = (s: string) => [parseTimestamp(s, QUERY_TIMESTAMP) !== null, parseTimestamp(s, INGEST_TIMESTAMP) !== null];

describe('parseTimestamp', () => {
  it('reads the same instant under both rules where both accept it', () => {
    for (const s of ['2026-01-31T12:00:00.123Z', '2026-01-31T13:00:00.123+01:00', '2026-01-31 12:00:00Z', '2024-02-29T00:00:00-05:30']) {
      expect(parseTimestamp(s, QUERY_TIMESTAMP), s).toBe(parseTimestamp(s, INGEST_TIMESTAMP));
    }
    expect(parseTimestamp('2026-01-31T13:00:00.123+01:00', QUERY_TIMESTAMP)).toBe(Date.UTC(2026, 0, 31, 12, 0, 0, 123));
  });

  it('keeps each rule: dates alone and minutes-only times for queries, nanoseconds and lower case for ingest', () => {
    expect(both('2026-01-31')).toEqual([true, false]);
    expect(both('2026-01-31T12:00Z')).toEqual([true, false]);
    expect(both('2026-01-31T12:00:00.123456789Z')).toEqual([false, true]);
    expect(both('2026-01-31t12:00:00z')).toEqual([false, true]);
    expect(both('2026-01-31T12:00:00+16:00')).toEqual([true, false]);
    expect(both('0001-01-01T00:00:00Z')).toEqual([false, true]);
    expect(both('1900-12-31T23:59:59Z')).toEqual([false, true]);
  });

  it('rejects calendar days and clock times that do not exist, under both rules', () => {
    for (const s of ['2026-02-29T00:00:00Z', '2100-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:60:00Z', '2026-01-01T00:00:60Z', '2026-01-01T00:00:00+01:60', '2026-01-01T00:00:00']) {
      expect(both(s), s).toEqual([false, false]);
    }
    expect(both('2000-02-29T00:00:00Z')).toEqual([true, true]);
  });

  it('bounds query instants to 1901..9999 after the zone is applied', () => {
    expect(parseTimestamp('9999-12-31T23:59:59.999Z', QUERY_TIMESTAMP)).toBe(MAX_TIMESTAMP_MS);
    expect(parseTimestamp('9999-12-31T23:59:59-01:00', QUERY_TIMESTAMP)).toBeNull();
    expect(parseIsoTimestamp('1901-01-01')).toBe('1901-01-01T00:00:00.000Z');
  });
});
