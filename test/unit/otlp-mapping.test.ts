import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonExact } from '../../src/ingest/otlp/codec.js';
import { idHex } from '../../src/ingest/otlp/decode.js';
import { mappingSources, nsToTimestamp } from '../../src/ingest/otlp/map-span.js';
import { textOfMessages } from '../../src/ingest/otlp/messages.js';
import { computeCost, findPrice, loadPriceTables, modelCandidates, PriceTableError, SHIPPED_PRICES } from '../../src/ingest/otlp/prices.js';

describe('OTLP mapping table', () => {
  it('is the table docs/otlp.md shows, row for row and in order', () => {
    const doc = readFileSync(new URL('../../docs/otlp.md', import.meta.url), 'utf8');
    const rows = new Map(
      [...doc.matchAll(/^\| ([a-z_]+) \| (.+) \|$/gm)].filter((m) => m[1] !== 'field').map((m) => [m[1]!, m[2]!]),
    );
    for (const [field, sources] of Object.entries(mappingSources())) {
      expect(rows.get(field), field).toBe(sources.join(' · '));
    }
  });
});

describe('model prices', () => {
  const name = (model: string) => findPrice([SHIPPED_PRICES], model)?.name ?? null;

  it('matches dated and versioned releases to their base, never a longer name to a shorter entry', () => {
    expect(name('gpt-4o-2024-08-06')).toBe('gpt-4o');
    expect(name('gpt-4o-mini-2024-07-18')).toBe('gpt-4o-mini');
    expect(name('GPT-4o')).toBe('gpt-4o');
    expect(name('openai/gpt-4.1-nano')).toBe('gpt-4.1-nano');
    expect(name('claude-3-5-sonnet-20241022')).toBe('claude-3-5-sonnet');
    expect(name('claude-3-5-sonnet@20240620')).toBe('claude-3-5-sonnet');
    expect(name('us.anthropic.claude-3-5-haiku-20241022-v1:0')).toBe('claude-3-5-haiku');
    expect(name('models/gemini-1.5-pro-002')).toBe('gemini-1.5-pro');
    expect(name('mistral-large-latest')).toBe('mistral-large');
    expect(name('mistral-large-2411')).toBe('mistral-large');
    expect(name('command-r-plus-08-2024')).toBe('command-r-plus');
    expect(name('deepseek-chat')).toBe('deepseek-chat');
    expect(name('meta-llama/Llama-3.3-70B-Instruct-Turbo')).toBe('llama-3.3-70b-instruct-turbo');
    expect(name('gpt-4o-realtime-preview')).toBeNull();
    expect(name('my-own-model')).toBeNull();
    expect(modelCandidates('gpt-4-0613')).toEqual(['gpt-4-0613', 'gpt-4']);
  });

  it('covers the providers it promises, each entry with its three prices as decimals', () => {
    const providers = new Set(SHIPPED_PRICES.entries.map((e) => e.provider));
    for (const p of ['openai', 'anthropic', 'google', 'mistral', 'cohere', 'meta', 'deepseek']) expect(providers.has(p), p).toBe(true);
    expect(SHIPPED_PRICES.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('computes costs exactly, cached input at its own price', () => {
    const e = findPrice([SHIPPED_PRICES], 'gpt-4o')!.entry; // 2.50 / 1.25 / 10.00
    expect(computeCost(e, 1000, 500, 0)).toEqual({ prompt: '0.0025', completion: '0.005', total: '0.0075' });
    expect(computeCost(e, 1000, 0, 400)).toEqual({ prompt: '0.002', completion: '0', total: '0.002' });
    // 0.1 + 0.2 style sums stay exact: 3 x 0.075 / 1M.
    const flash = findPrice([SHIPPED_PRICES], 'gemini-1.5-flash')!.entry;
    expect(computeCost(flash, 3, 7, 0)).toEqual({ prompt: '0.000000225', completion: '0.0000021', total: '0.000002325' });
  });

  it('lets PRICES_FILE override and extend the shipped table, and rejects a malformed file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prices-'));
    const file = join(dir, 'prices.json');
    writeFileSync(file, JSON.stringify({ checked: '2026-11-30', models: [{ provider: 'OpenAI', names: ['GPT-4o'], input: '1', output: '2' }, { provider: 'acme', names: ['acme-large'], input: '0.5', output: '1.5' }] }));
    const tables = loadPriceTables(file);
    expect(findPrice(tables, 'gpt-4o-2024-11-20')).toMatchObject({ entry: { input: '1', output: '2' }, table: { source: 'file' } });
    expect(findPrice(tables, 'acme-large')?.entry.provider).toBe('acme');
    expect(findPrice(tables, 'gpt-4o-mini')?.table.source).toBe('shipped');
    writeFileSync(file, JSON.stringify({ checked: '2026-11-30', models: [{ provider: 'x', names: ['y'], input: '1e-6', output: '1' }] }));
    expect(() => loadPriceTables(file)).toThrow(PriceTableError);
    expect(() => loadPriceTables(join(dir, 'missing.json'))).toThrow(/PRICES_FILE/);
  });
});

describe('OTLP values', () => {
  it('parses JSON with int64 beyond 2^53 exactly, leaving strings and floats alone', () => {
    const text = '{"a":1764540000123456789,"b":[-9223372036854775808, 1.2345678901234567],"c":"x:12345678901234567","d":1e400000000000000000}';
    const v = parseJsonExact(text.replace(',"d":1e400000000000000000', '')) as Record<string, unknown>;
    expect(v).toEqual({ a: '1764540000123456789', b: ['-9223372036854775808', 1.2345678901234567], c: 'x:12345678901234567' });
    expect(parseJsonExact('{"a":"\\"","b":12345678901234567}')).toEqual({ a: '"', b: '12345678901234567' });
  });

  it('reads ids as hex or base64 by length, and refuses other lengths', () => {
    expect(idHex('ABCDEF0123456789', 8)).toBe('abcdef0123456789');
    expect(idHex(Buffer.from('abcdef0123456789', 'hex').toString('base64'), 8)).toBe('abcdef0123456789');
    expect(idHex('', 8)).toBe('');
    expect(idHex('abc', 8)).toBeNull();
    expect(idHex(new Uint8Array(3), 8)).toBeNull();
  });

  it('keeps microseconds of nanosecond timestamps', () => {
    expect(nsToTimestamp(1764540000123456789n)).toBe('2025-11-30T22:00:00.123456Z');
  });

  it('renders messages of every convention as searchable text', () => {
    expect(textOfMessages(JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Hi' }] }]))).toBe('Hi');
    expect(
      textOfMessages([
        { role: 'system', content: 'Be brief.' },
        { role: 'assistant', parts: [{ type: 'tool_call', name: 'lookup', arguments: { id: 7 } }] },
      ]),
    ).toBe('system: Be brief.\nassistant: [tool call lookup({"id":7})]');
    expect(textOfMessages('{"messages":[{"role":"user","content":[{"type":"text","text":"Q?"}]}]}')).toBe('Q?');
    expect(textOfMessages('{"choices":[{"message":{"role":"assistant","content":"A."}}]}')).toBe('A.');
    expect(textOfMessages('plain text')).toBe('plain text');
    expect(textOfMessages('{"args":[1]}')).toBe('{"args":[1]}');
  });
});
