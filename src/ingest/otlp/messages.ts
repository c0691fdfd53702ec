// Chat messages in the shapes the conventions use -> the searchable text of
// input_text / output_text. One message is its text alone; several are one
// line each, "role: text", so a search for a phrase finds the span and a
// reader sees who said what. Tool calls and results keep their name and
// arguments as text; anything unrecognised is kept as compact JSON rather
// than dropped.
import type { AttrValue } from './decode.js';

type Json = AttrValue | undefined;

function isObj(v: Json): v is { [key: string]: AttrValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON-encoded string becomes its value; anything else is returned as is. */
export function parseMaybeJson(v: Json): Json {
  if (typeof v !== 'string') return v;
  const t = v.trimStart();
  if (t[0] !== '[' && t[0] !== '{' && t[0] !== '"') return v;
  try {
    return JSON.parse(v) as AttrValue;
  } catch {
    return v;
  }
}

function stringify(v: Json): string {
  return typeof v === 'string' ? v : JSON.stringify(v ?? null);
}

/** One content part: GenAI `parts` ({type, content}), OpenAI ({type, text}), or a plain string. */
function partText(p: Json): string {
  if (typeof p === 'string') return p;
  if (!isObj(p)) return stringify(p);
  const type = typeof p.type === 'string' ? p.type : 'text';
  if (type === 'tool_call' || type === 'function') {
    return `[tool call ${stringify(p.name ?? '')}(${stringify(p.arguments ?? '')})]`;
  }
  if (type === 'tool_call_response') return `[tool result] ${stringify(p.response ?? p.result ?? '')}`;
  for (const key of ['content', 'text', 'value'] as const) {
    if (typeof p[key] === 'string') return p[key];
  }
  return stringify(p);
}

function contentText(c: Json): string {
  if (c === undefined || c === null) return '';
  if (Array.isArray(c)) return c.map(partText).filter((s) => s !== '').join('\n');
  return partText(c);
}

/** Text of one message: `parts` (GenAI), `content` (OpenAI style), tool calls. */
export function messageText(m: Json): string {
  if (!isObj(m)) return contentText(m);
  const pieces: string[] = [];
  if (m.parts !== undefined) pieces.push(contentText(m.parts));
  if (m.content !== undefined) pieces.push(contentText(parseMaybeJson(m.content)));
  const calls = m.tool_calls;
  if (Array.isArray(calls)) {
    for (const call of calls) {
      const fn = isObj(call) && isObj(call.function) ? call.function : isObj(call) ? call : {};
      pieces.push(`[tool call ${stringify(fn.name ?? '')}(${stringify(fn.arguments ?? '')})]`);
    }
  }
  if (pieces.length === 0 && m.message !== undefined) return messageText(parseMaybeJson(m.message));
  return pieces.filter((s) => s !== '').join('\n');
}

export interface RoleText {
  role: string | null;
  text: string;
}

/** Renders a list of messages (see the header). */
export function renderMessages(messages: readonly RoleText[]): string | null {
  const present = messages.filter((m) => m.text !== '');
  if (present.length === 0) return null;
  if (present.length === 1) return present[0]!.text;
  return present.map((m) => (m.role ? `${m.role}: ${m.text}` : m.text)).join('\n');
}

function roleOf(m: Json): string | null {
  return isObj(m) && typeof m.role === 'string' ? m.role : null;
}

/**
 * The messages in a value of any of the shapes the conventions use: a JSON
 * string or structured value; an array of messages; an object with `messages`
 * (a request body) or `choices` (a response); one message; plain text.
 */
export function messagesOf(raw: Json): RoleText[] {
  const v = parseMaybeJson(raw);
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [{ role: null, text: v }];
  if (Array.isArray(v)) return v.map((m) => ({ role: roleOf(m), text: messageText(m) }));
  if (isObj(v)) {
    if (Array.isArray(v.messages)) return messagesOf(v.messages);
    if (Array.isArray(v.choices)) return messagesOf(v.choices.map((c) => (isObj(c) && c.message !== undefined ? c.message : c)));
    const t = messageText(v);
    return [{ role: roleOf(v), text: t === '' ? stringify(v) : t }];
  }
  return [{ role: null, text: stringify(v) }];
}

export function textOfMessages(raw: Json): string | null {
  return renderMessages(messagesOf(raw));
}
