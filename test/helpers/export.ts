// Export test helpers: spans that stress every encoding rule, the search
// endpoint paged to its end (the reference every export must equal), and
// the CSV of an export parsed back into typed rows by a real CSV parser.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { parse } from 'csv-parse/sync';
import { expect } from 'vitest';
import { lookupField } from '../../src/query/fields.js';
import { span, type SpanInput } from './spans.js';

/** Cells a spreadsheet would run as formulas, and text that needs every kind of CSV quoting. */
export const HOSTILE_TEXTS = [
  '=HYPERLINK("http://evil.example","click")',
  '+1+2',
  '-2+3',
  '@SUM(A1:A2)',
  '\tleading tab',
  '\rleading carriage return',
  'comma, "quotes" and\nnew line\r\nand CRLF',
  'unicode ✓ 日本語 emoji 🙂 and a backslash \\ and \\n literally',
  '',
];

/** n spans over two projects, with varied values, NULLs and the hostile texts. */
export function exportSpans(n: number, prefix = 'ex'): SpanInput[] {
  return Array.from({ length: n }, (_, i) =>
    span({
      ts: new Date(Date.UTC(2026, 9, 1) + (i % 97) * 60_000 + Math.floor(i / 97) * 1000 + (i % 7)).toISOString(),
      trace_id: `${prefix}-trace-${i % 40}`,
      span_id: `${prefix}-span-${i}`,
      parent_span_id: i % 3 === 0 ? null : `${prefix}-span-${i - 1}`,
      project_id: i % 4 === 0 ? 'proj-b' : 'proj-a',
      provider: i % 5 === 0 ? null : ['openai', 'anthropic', 'google'][i % 3]!,
      model: ['gpt-4o', 'claude-3', 'gemini'][i % 3]!,
      input_text: i % 11 === 0 ? null : HOSTILE_TEXTS[i % HOSTILE_TEXTS.length]!,
      output_text: `answer ${i}`,
      prompt_tokens: i % 9 === 0 ? null : i * 3,
      total_cost_usd: i % 6 === 0 ? null : (i * 0.0000123).toFixed(10),
      prompt_cost_usd: '0.0000000001',
      duration_ms: (i * 37) % 1000,
      status_code: i % 10 === 0 ? 'ERROR' : 'OK',
      error_message: i % 10 === 0 ? '-1 is not a valid id' : null,
      tags: i % 2 === 0 ? ['chat', 'x,y', 'q"t'] : [],
      attributes: { feature: `f${i % 3}`, nested: { n: i, s: 'a "b"' } },
    }),
  );
}

/** Every row of a search, paged with its cursor to the end. */
export async function searchToEnd(app: FastifyInstance, headers: Record<string, string>, body: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const res: LightMyRequestResponse = await app.inject({ method: 'POST', url: '/api/v1/traces/search', headers, payload: { ...body, limit: 37, cursor } });
    expect(res.statusCode, res.body).toBe(200);
    const page: { data: Record<string, unknown>[]; pagination: { cursor: string | null } } = res.json();
    rows.push(...page.data);
    cursor = page.pagination.cursor;
  } while (cursor !== null);
  return rows;
}

export function parseNdjson(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * CSV back into typed rows: a quoted empty cell is '', an unquoted one NULL;
 * numbers, tags and attributes are read back from their text. Returns the
 * header too. Text cells must carry the neutralising quote exactly when the
 * value starts like a formula; it is checked and removed here.
 */
export function parseCsvRows(text: string): { header: string[]; rows: Record<string, unknown>[] } {
  const records = parse(text, {
    record_delimiter: '\r\n',
    relax_quotes: false,
    cast: (value, ctx) => (ctx.records === 0 ? value : ctx.quoting ? { quoted: value } : value === '' ? null : { raw: value }),
  }) as (string | null | { quoted?: string; raw?: string })[][];
  const header = records[0] as string[];
  const rows = records.slice(1).map((rec) => {
    const out: Record<string, unknown> = {};
    rec.forEach((cell, i) => {
      const f = lookupField(header[i]!)!;
      if (cell === null) {
        out[f.name] = null;
        return;
      }
      const c = cell as { quoted?: string; raw?: string };
      switch (f.type) {
        case 'integer':
        case 'decimal':
          expect(c.raw, `${f.name} is written unquoted`).toBeDefined();
          out[f.name] = Number(c.raw);
          break;
        case 'timestamp':
          out[f.name] = c.raw;
          break;
        default: {
          expect(c.quoted, `${f.name} is written quoted`).toBeDefined();
          let v = c.quoted!;
          if (v.startsWith("'") && FORMULA_START.test(v.slice(1))) v = v.slice(1);
          else expect(FORMULA_START.test(v), `a formula-like cell is neutralised: ${JSON.stringify(v)}`).toBe(false);
          out[f.name] = f.type === 'text' ? v : JSON.parse(v);
        }
      }
    });
    return out;
  });
  return { header, rows };
}
