// The mapping table: which OTLP attribute (or event, or span field) fills
// which span field, for the OpenTelemetry GenAI conventions (current and
// deprecated names), OpenInference, OpenLLMetry (Traceloop) and Langfuse.
// For every field the sources are tried in order and the first one that holds
// a usable value wins. docs/otlp.md shows this table; a unit test checks that
// the two list the same sources in the same order.
//
// A source that fed a field marks its attribute keys as used; used keys are
// not repeated in `attributes`, everything else is kept there.
import type { AttrValue, Attributes, OtlpSpan } from './decode.js';
import { messageText, messagesOf, renderMessages, textOfMessages, parseMaybeJson, type RoleText } from './messages.js';
import { isPlainDecimal, numberToDecimal } from '../decimal.js';

export interface SpanView {
  span: OtlpSpan;
  resource: Attributes;
  /** Span attribute keys that fed a field. */
  used: Set<string>;
  /** Indexes of span events that fed a field. */
  usedEvents: Set<number>;
}

export interface Source<T> {
  /** How docs/otlp.md names the source. */
  from: string;
  read(v: SpanView): T | undefined;
}

type Conv<T> = (value: AttrValue | undefined) => T | undefined;

// ---- value conversions -------------------------------------------------

const str: Conv<string> = (x) => {
  if (typeof x === 'string') return x.trim() === '' ? undefined : x;
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  return undefined;
};

const count: Conv<number> = (x) => {
  const n = typeof x === 'string' && /^\d{1,15}$/.test(x.trim()) ? Number(x) : x;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
};

const money: Conv<string> = (x) => {
  if (typeof x === 'number') return Number.isFinite(x) && x >= 0 ? numberToDecimal(x) : undefined;
  if (typeof x === 'string' && isPlainDecimal(x.trim())) return x.trim();
  return undefined;
};

const messages: Conv<string> = (x) => (x === undefined || x === null ? undefined : (textOfMessages(x) ?? undefined));

const stringList: Conv<string[]> = (x) => {
  const v = parseMaybeJson(x);
  if (Array.isArray(v)) {
    const out = v.filter((t): t is string => typeof t === 'string' && t !== '');
    return out.length ? out : undefined;
  }
  if (typeof v === 'string' && v.trim() !== '') return v.split(',').map((t) => t.trim()).filter(Boolean);
  return undefined;
};

// ---- sources ------------------------------------------------------------

/** A span attribute; `keep` leaves it in `attributes` as well (it fills no column). */
function attr<T>(key: string, conv: Conv<T>, opts: { keep?: boolean } = {}): Source<T> {
  return {
    from: `\`${key}\``,
    read(v) {
      const out = conv(v.span.attributes[key]);
      if (out !== undefined && !opts.keep) v.used.add(key);
      return out;
    },
  };
}

/** A resource attribute (kept in `attributes.resource`). */
function resourceAttr<T>(key: string, conv: Conv<T>): Source<T> {
  return { from: `resource \`${key}\``, read: (v) => conv(v.resource[key]) };
}

/** One field of a JSON object carried in an attribute (Langfuse's usage and cost details). */
function attrField<T>(key: string, field: string, conv: Conv<T>, plus: (o: Record<string, AttrValue>) => number = () => 0): Source<T> {
  return {
    from: `\`${key}\`.${field}`,
    read(v) {
      const o = parseMaybeJson(v.span.attributes[key]);
      if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
      const out = conv(o[field]);
      if (out === undefined) return undefined;
      v.used.add(key);
      return (typeof out === 'number' ? out + plus(o) : out) as T;
    },
  };
}

/** Langfuse reports input/output tokens without their cached/audio/reasoning parts, which it lists as input_* / output_*. */
const detailParts = (prefix: string) => (o: Record<string, AttrValue>) =>
  Object.entries(o).reduce((sum, [k, n]) => (k.startsWith(prefix) && typeof n === 'number' ? sum + n : sum), 0);

/**
 * Indexed messages: `${prefix}.N.${role}` / `${prefix}.N.${content}` (and, for
 * OpenInference, `${prefix}.N.message.contents.M.message_content.text`).
 */
function indexedMessages(prefix: string, roleKey: string, contentKey: string, partsKey?: string): Source<string> {
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)\\.(.+)$`);
  return {
    from: `\`${prefix}.N.${contentKey}\``,
    read(v) {
      const byIndex = new Map<number, { role: string | null; parts: string[]; keys: string[] }>();
      for (const [key, value] of Object.entries(v.span.attributes)) {
        const m = re.exec(key);
        if (!m) continue;
        const i = Number(m[1]);
        const rest = m[2]!;
        const entry = byIndex.get(i) ?? { role: null, parts: [], keys: [] };
        if (rest === roleKey && typeof value === 'string') entry.role = value;
        else if (rest === contentKey && value !== null) entry.parts.unshift(messageText(parseMaybeJson(value)));
        else if (partsKey && rest.startsWith(partsKey) && typeof value === 'string') entry.parts.push(value);
        else continue;
        entry.keys.push(key);
        byIndex.set(i, entry);
      }
      const list: RoleText[] = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, e]) => ({ role: e.role, text: e.parts.filter(Boolean).join('\n') }));
      const text = renderMessages(list);
      if (text === null) return undefined;
      for (const e of byIndex.values()) for (const k of e.keys) v.used.add(k);
      return text;
    },
  };
}

/** `gen_ai.input.messages` with `gen_ai.system_instructions` in front of them. */
const genAiInput: Source<string> = {
  from: '`gen_ai.input.messages` (after `gen_ai.system_instructions`)',
  read(v) {
    const msgs = v.span.attributes['gen_ai.input.messages'];
    const system = v.span.attributes['gen_ai.system_instructions'];
    const list: RoleText[] = [];
    if (system !== undefined && system !== null) list.push(...messagesOf(system).map((m) => ({ role: 'system', text: m.text })));
    if (msgs !== undefined && msgs !== null) list.push(...messagesOf(msgs));
    const text = renderMessages(list);
    if (text === null) return undefined;
    v.used.add('gen_ai.input.messages').add('gen_ai.system_instructions');
    return text;
  },
};

const EVENT_CONTENT_KEYS = ['content', 'gen_ai.event.content', 'message', 'body', 'gen_ai.prompt', 'gen_ai.completion'];

/** Content of span events, in order: the GenAI message events and the older gen_ai.content.* events. */
function eventMessages(from: string, names: ReadonlySet<string>): Source<string> {
  return {
    from,
    read(v) {
      const list: RoleText[] = [];
      const used: number[] = [];
      v.span.events.forEach((e, i) => {
        if (!names.has(e.name)) return;
        const key = EVENT_CONTENT_KEYS.find((k) => e.attributes[k] !== undefined);
        let text = key ? (textOfMessages(e.attributes[key]) ?? '') : '';
        if (!text && typeof e.attributes['message.content'] === 'string') text = e.attributes['message.content'];
        if (!text) return;
        const role = typeof e.attributes.role === 'string' ? e.attributes.role : /^gen_ai\.(\w+)\.message$/.exec(e.name)?.[1] ?? null;
        list.push({ role: e.name === 'gen_ai.choice' ? 'assistant' : role, text });
        used.push(i);
      });
      const text = renderMessages(list);
      if (text === null) return undefined;
      for (const i of used) v.usedEvents.add(i);
      return text;
    },
  };
}

const INPUT_EVENTS = new Set(['gen_ai.system.message', 'gen_ai.user.message', 'gen_ai.assistant.message', 'gen_ai.tool.message', 'gen_ai.content.prompt']);
const OUTPUT_EVENTS = new Set(['gen_ai.choice', 'gen_ai.content.completion']);

// ---- the table ------------------------------------------------------------

export type MappedField =
  | 'provider'
  | 'model'
  | 'prompt_tokens'
  | 'completion_tokens'
  | 'total_tokens'
  | 'cached_tokens'
  | 'input_text'
  | 'output_text'
  | 'prompt_cost_usd'
  | 'completion_cost_usd'
  | 'total_cost_usd'
  | 'user_id'
  | 'session_id'
  | 'environment'
  | 'tags'
  | 'ttft_at';

export const MAPPING = {
  provider: [attr('gen_ai.provider.name', str), attr('gen_ai.system', str), attr('llm.provider', str), attr('llm.system', str)],
  model: [
    attr('gen_ai.response.model', str),
    attr('gen_ai.request.model', str),
    attr('llm.model_name', str),
    attr('langfuse.observation.model.name', str),
  ],
  prompt_tokens: [
    attr('gen_ai.usage.input_tokens', count),
    attr('gen_ai.usage.prompt_tokens', count),
    attr('llm.token_count.prompt', count),
    attrField('langfuse.observation.usage_details', 'input', count, detailParts('input_')),
  ],
  completion_tokens: [
    attr('gen_ai.usage.output_tokens', count),
    attr('gen_ai.usage.completion_tokens', count),
    attr('llm.token_count.completion', count),
    attrField('langfuse.observation.usage_details', 'output', count, detailParts('output_')),
  ],
  total_tokens: [
    attr('gen_ai.usage.total_tokens', count),
    attr('llm.usage.total_tokens', count),
    attr('llm.token_count.total', count),
    attrField('langfuse.observation.usage_details', 'total', count),
  ],
  /** Not a column: prices cached input tokens, and stays in `attributes`. */
  cached_tokens: [
    attr('gen_ai.usage.cache_read_input_tokens', count, { keep: true }),
    attr('gen_ai.usage.cache_read.input_tokens', count, { keep: true }),
    attr('llm.token_count.prompt_details.cache_read', count, { keep: true }),
    attrField('langfuse.observation.usage_details', 'input_cached_tokens', count),
  ],
  input_text: [
    genAiInput,
    indexedMessages('gen_ai.prompt', 'role', 'content'),
    indexedMessages('llm.input_messages', 'message.role', 'message.content', 'message.contents.'),
    attr('input.value', messages),
    attr('traceloop.entity.input', messages),
    eventMessages('events `gen_ai.{system,user,assistant,tool}.message`, `gen_ai.content.prompt`', INPUT_EVENTS),
    attr('langfuse.observation.input', messages),
    attr('gen_ai.system_instructions', messages),
  ],
  output_text: [
    attr('gen_ai.output.messages', messages),
    indexedMessages('gen_ai.completion', 'role', 'content'),
    indexedMessages('llm.output_messages', 'message.role', 'message.content', 'message.contents.'),
    attr('output.value', messages),
    attr('traceloop.entity.output', messages),
    eventMessages('events `gen_ai.choice`, `gen_ai.content.completion`', OUTPUT_EVENTS),
    attr('langfuse.observation.output', messages),
  ],
  prompt_cost_usd: [attr('llm.cost.prompt', money), attrField('langfuse.observation.cost_details', 'input', money)],
  completion_cost_usd: [attr('llm.cost.completion', money), attrField('langfuse.observation.cost_details', 'output', money)],
  total_cost_usd: [attr('llm.cost.total', money), attrField('langfuse.observation.cost_details', 'total', money)],
  user_id: [attr('user.id', str), attr('langfuse.user.id', str), attr('enduser.id', str), attr('traceloop.association.properties.user_id', str)],
  session_id: [
    attr('session.id', str),
    attr('gen_ai.conversation.id', str),
    attr('langfuse.session.id', str),
    attr('traceloop.association.properties.session_id', str),
  ],
  environment: [
    resourceAttr('deployment.environment.name', str),
    resourceAttr('deployment.environment', str),
    attr('langfuse.environment', str),
  ],
  tags: [attr('tag.tags', stringList), attr('langfuse.trace.tags', stringList)],
  /** Time of the first token (ISO 8601), for ttft_ms. */
  ttft_at: [attr('langfuse.observation.completion_start_time', (x) => str(parseMaybeJson(x)))],
} satisfies Record<MappedField, Source<unknown>[]>;

/** Attribute keys that report token usage (the attribute sources of the three token fields). */
export const USAGE_KEYS: readonly string[] = (['prompt_tokens', 'completion_tokens', 'total_tokens'] as const).flatMap((f) =>
  MAPPING[f].map((s) => /^`([^`]+)`/.exec(s.from)![1]!),
);

/** The first source of `field` that yields a value. */
export function pick<F extends MappedField>(v: SpanView, field: F): (typeof MAPPING)[F][number] extends Source<infer T> ? T | undefined : never {
  for (const source of MAPPING[field] as Source<unknown>[]) {
    const out = source.read(v);
    if (out !== undefined) return out as never;
  }
  return undefined as never;
}

// ---- span kinds -----------------------------------------------------------

const OPENINFERENCE_MODEL_KINDS: ReadonlySet<string> = new Set(['LLM', 'EMBEDDING']);
const LANGFUSE_MODEL_TYPES: ReadonlySet<string> = new Set(['generation', 'embedding']);
const GEN_AI_NON_MODEL_OPERATIONS: ReadonlySet<string> = new Set(['invoke_agent', 'create_agent', 'execute_tool']);

/**
 * Does this span stand for one model call? Frameworks repeat the token totals
 * of their model calls on agent, chain and workflow spans; counting those too
 * would double every sum, so only model calls keep tokens and costs. The
 * conventions' own kind markers decide; a span without any marker is a model
 * call when it reports tokens (and no span of the same request below it does:
 * see ingest-otlp.ts).
 */
export function modelCallMarker(attrs: Attributes): boolean | null {
  const oi = attrs['openinference.span.kind'];
  if (typeof oi === 'string') return OPENINFERENCE_MODEL_KINDS.has(oi.toUpperCase());
  const lf = attrs['langfuse.observation.type'];
  if (typeof lf === 'string') return LANGFUSE_MODEL_TYPES.has(lf.toLowerCase());
  if (typeof attrs['traceloop.span.kind'] === 'string') return false;
  const op = attrs['gen_ai.operation.name'];
  if (typeof op === 'string') return !GEN_AI_NON_MODEL_OPERATIONS.has(op);
  return null;
}

/** Provider names as the analytics group them: lower case, one name per provider. */
const PROVIDER_ALIASES: Readonly<Record<string, string>> = {
  mistral_ai: 'mistral',
  mistralai: 'mistral',
  'gcp.gemini': 'google',
  'gcp.vertex_ai': 'google',
  'gcp.gen_ai': 'google',
  vertex_ai: 'google',
  vertexai: 'google',
  gemini: 'google',
  google_genai: 'google',
  'az.ai.openai': 'azure_openai',
  'azure.ai.openai': 'azure_openai',
  azure: 'azure_openai',
  'aws.bedrock': 'aws_bedrock',
  bedrock: 'aws_bedrock',
  'x_ai': 'xai',
  'meta-llama': 'meta',
};

export function normalizeProvider(name: string): string {
  const lower = name.trim().toLowerCase();
  return PROVIDER_ALIASES[lower] ?? lower;
}
