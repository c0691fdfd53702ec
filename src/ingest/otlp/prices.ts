// Model prices for spans that arrive without a cost. The table ships as data
// (prices.json: USD per 1M input, cached input and output tokens, with the
// date it was checked); PRICES_FILE adds entries that win over it. A model
// name matches an entry by its base name: case and provider path prefixes
// ("openai/", "models/", "us.anthropic.") do not matter, and dated or
// versioned releases ("gpt-4o-2024-08-06", "claude-3-5-sonnet-20241022",
// "gemini-1.5-pro-002", "mistral-large-latest", "...-v2:0") match their base.
import { readFileSync } from 'node:fs';
import shipped from './prices.json' with { type: 'json' };
import { addDecimals, isPlainDecimal, scaleDecimal, trimDecimal } from '../decimal.js';

export interface PriceEntry {
  provider: string;
  names: string[];
  input: string;
  cached_input?: string;
  output: string;
}

export interface PriceTable {
  /** When the prices were checked (ISO date), per source. */
  checked: string;
  source: 'shipped' | 'file';
  entries: PriceEntry[];
}

export class PriceTableError extends Error {}

function readTable(raw: unknown, source: PriceTable['source'], where: string): PriceTable {
  const fail = (m: string) => new PriceTableError(`${where}: ${m}`);
  if (typeof raw !== 'object' || raw === null) throw fail('must be a JSON object');
  const o = raw as { checked?: unknown; models?: unknown };
  if (typeof o.checked !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(o.checked)) throw fail('"checked" must be a date (YYYY-MM-DD)');
  if (!Array.isArray(o.models)) throw fail('"models" must be an array');
  const entries = o.models.map((m: unknown, i: number): PriceEntry => {
    const e = m as Partial<Record<keyof PriceEntry, unknown>>;
    const price = (k: 'input' | 'cached_input' | 'output', required: boolean) => {
      const v = e[k];
      if (v === undefined && !required) return undefined;
      if (typeof v !== 'string' || !isPlainDecimal(v)) throw fail(`models[${i}].${k} must be a decimal string such as "2.50"`);
      return v;
    };
    if (typeof e.provider !== 'string' || e.provider === '') throw fail(`models[${i}].provider must be a non-empty string`);
    if (!Array.isArray(e.names) || e.names.length === 0 || !e.names.every((n) => typeof n === 'string' && n !== '')) {
      throw fail(`models[${i}].names must be a non-empty array of model names`);
    }
    const cached = price('cached_input', false);
    return {
      provider: e.provider.toLowerCase(),
      names: (e.names as string[]).map((n) => n.toLowerCase()),
      input: price('input', true)!,
      ...(cached === undefined ? {} : { cached_input: cached }),
      output: price('output', true)!,
    };
  });
  return { checked: o.checked, source, entries };
}

export const SHIPPED_PRICES: PriceTable = readTable(shipped, 'shipped', 'prices.json');

/** The shipped table, preceded by PRICES_FILE's entries when one is configured (read once, at start-up). */
export function loadPriceTables(file: string | null): PriceTable[] {
  if (file === null) return [SHIPPED_PRICES];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PriceTableError(`PRICES_FILE ${file}: ${(err as Error).message}`);
  }
  return [readTable(raw, 'file', `PRICES_FILE ${file}`), SHIPPED_PRICES];
}

// A release suffix: a date (2024-08-06, 20241022, 08-2024), a short version
// (0613, 002, 2411), "latest", a Bedrock "-v2:0" or a ":0" revision, or a
// Vertex "@20240620".
const RELEASE_SUFFIX_RE = /(?:[-@](?:\d{4}-\d{2}-\d{2}|\d{8}|\d{2}-\d{4}|\d{3,4}|latest)|-v\d+(?::\d+)?|:\d+)$/;
const VENDOR_PREFIX_RE = /^(?:[a-z]{2}\.)?(?:anthropic|meta|mistral|cohere|amazon|deepseek|google)\./;

/** Candidate names of a model, most specific first. */
export function modelCandidates(model: string): string[] {
  let name = model.trim().toLowerCase();
  name = name.slice(name.lastIndexOf('/') + 1).replace(VENDOR_PREFIX_RE, '');
  const out = [name];
  for (let i = 0; i < 3; i++) {
    const next = name.replace(RELEASE_SUFFIX_RE, '');
    if (next === name || next === '') break;
    out.push((name = next));
  }
  return out;
}

export interface PriceMatch {
  entry: PriceEntry;
  /** The entry's name that matched. */
  name: string;
  table: PriceTable;
}

// Lookups repeat the same few model names span after span.
const matchCache = new WeakMap<readonly PriceTable[], Map<string, PriceMatch | null>>();
const MATCH_CACHE_SIZE = 1000;

export function findPrice(tables: readonly PriceTable[], model: string): PriceMatch | null {
  let cache = matchCache.get(tables);
  if (!cache) matchCache.set(tables, (cache = new Map()));
  const hit = cache.get(model);
  if (hit !== undefined) return hit;
  const found = lookup(tables, model);
  if (cache.size >= MATCH_CACHE_SIZE) cache.clear();
  cache.set(model, found);
  return found;
}

function lookup(tables: readonly PriceTable[], model: string): PriceMatch | null {
  for (const candidate of modelCandidates(model)) {
    for (const table of tables) {
      for (const entry of table.entries) {
        if (entry.names.includes(candidate)) return { entry, name: candidate, table };
      }
    }
  }
  return null;
}

export interface ComputedCost {
  prompt: string;
  completion: string;
  total: string;
}

/** Exact cost of a call: uncached input, cached input (at its own price when listed) and output tokens. */
export function computeCost(entry: PriceEntry, promptTokens: number, completionTokens: number, cachedTokens: number): ComputedCost {
  const cached = Math.min(Math.max(cachedTokens, 0), promptTokens);
  const uncachedCost = scaleDecimal(entry.input, promptTokens - cached, 6);
  const cachedCost = scaleDecimal(entry.cached_input ?? entry.input, cached, 6);
  const prompt = trimDecimal(addDecimals(uncachedCost, cachedCost));
  const completion = scaleDecimal(entry.output, completionTokens, 6);
  return { prompt, completion, total: trimDecimal(addDecimals(prompt, completion)) };
}
