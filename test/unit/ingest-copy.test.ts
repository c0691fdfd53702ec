import { describe, expect, it } from 'vitest';
import { arrayLiteral, copyField, copyRows } from '../../src/storage/span-copy.js';
import { WRITE_FIELDS, type SpanRecord } from '../../src/storage/span-record.js';

describe('COPY text encoding', () => {
  it('escapes backslash, tab, newline and carriage return, and nothing else', () => {
    expect(copyField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyField('\\N')).toBe('\\\\N');
    expect(copyField('plain "text" 100% ü')).toBe('plain "text" 100% ü');
  });

  it('quotes every array element and escapes quotes and backslashes inside', () => {
    expect(arrayLiteral([])).toBe('{}');
    expect(arrayLiteral(['a b', 'x,y', '"q"', 'b\\s', 'NULL'])).toBe('{"a b","x,y","\\"q\\"","b\\\\s","NULL"}');
  });

  it('writes one line per row with NULL as \\N in registry column order', () => {
    const row = Object.fromEntries(WRITE_FIELDS.map((f) => [f.name, null])) as unknown as SpanRecord;
    Object.assign(row, { trace_id: 't\t1', tags: ['a\tb'], attributes: { k: 'v\\' }, duration_ms: 5 });
    const line = copyRows([row]);
    expect(line.endsWith('\n')).toBe(true);
    const cols = line.slice(0, -1).split('\t');
    expect(cols).toHaveLength(WRITE_FIELDS.length);
    const at = (name: string) => cols[WRITE_FIELDS.findIndex((f) => f.name === name)];
    expect(at('trace_id')).toBe('t\\t1');
    expect(at('tags')).toBe('{"a\\tb"}');
    expect(at('attributes')).toBe('{"k":"v\\\\\\\\"}');
    expect(at('duration_ms')).toBe('5');
    expect(at('model')).toBe('\\N');
  });
});
