// Deterministic synthetic spans: a realistic mix of single calls, RAG
// pipelines and agent runs, over K projects and D days ending at `end`.
// Same options (seed and end included) -> the same rows, in the same order.
import { formatScaled } from '../ingest/decimal.js';
import type { SpanRecord } from '../storage/span-record.js';
import { CHAT_MODELS, EMBEDDING_MODELS, ENVIRONMENTS, FEATURES, PROJECT_NAMES, REGIONS, TAGS, TIERS, TOOLS, type ModelSpec } from './catalog.js';
import { drawFailure } from './failures.js';
import { fnv1a, Rng, Weighted, zipf } from './prng.js';
import { completion, prompt } from './vocabulary.js';

export interface SeedOptions {
  rows: number;
  projects: number;
  days: number;
  seed: number;
  /** Every trace starts before this instant (its later spans may run past it). */
  end: Date;
}

/** Share of LLM calls that fail. */
const ERROR_RATE = 0.02;
const DAY_MS = 86_400_000;

export function projectNames(k: number): string[] {
  return Array.from({ length: k }, (_, i) => PROJECT_NAMES[i] ?? `project-${i + 1}`);
}

interface Trace {
  traceId: string;
  project: string;
  userId: string;
  sessionId: string;
  environment: string;
  base: Record<string, unknown>;
  tags: string[];
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const cost = (tokens: number, price: number) => formatScaled(tokens * price, 10);

export class SpanGenerator {
  private readonly rng: Rng;
  /**
   * Start times draw from their own stream: how many draws the time-of-day
   * rejection takes depends on `end`, and it must not shift the ids, shapes
   * and texts. So the same seed gives the same spans at any `end`, only moved in time.
   */
  private readonly clock: Rng;
  private readonly projects: string[];
  private readonly projectDraw: Weighted;
  private readonly userDraw: Weighted;
  private readonly chatDraw = new Weighted(CHAT_MODELS.map((m) => m.weight));
  private readonly embedDraw = new Weighted(EMBEDDING_MODELS.map((m) => m.weight));
  private readonly tierOf = new Weighted(TIERS.map(([, w]) => w));
  private readonly envDraw = new Weighted(ENVIRONMENTS.map(([, w]) => w));
  private readonly endMs: number;

  constructor(private readonly opts: SeedOptions) {
    this.rng = new Rng(opts.seed);
    this.clock = new Rng(opts.seed ^ 0x5eed_c10c);
    this.projects = projectNames(opts.projects);
    this.projectDraw = zipf(this.projects.length, 0.8);
    // Power-law users: a few heavy users, a long tail seen once or twice.
    this.userDraw = zipf(clamp(Math.round(opts.rows / 25), 20, 50_000), 1.1);
    this.endMs = opts.end.getTime();
  }

  *spans(): Generator<SpanRecord> {
    let emitted = 0;
    while (emitted < this.opts.rows) {
      for (const s of this.trace()) {
        if (emitted >= this.opts.rows) return;
        emitted++;
        yield s;
      }
    }
  }

  /** A start time with a weekday, business-hours rhythm (UTC). */
  private startMs(): number {
    const r = this.clock;
    for (;;) {
      const t = this.endMs - 120_000 - r.float() * (this.opts.days * DAY_MS - 120_000);
      const d = new Date(t);
      const hour = d.getUTCHours();
      const weekday = d.getUTCDay() % 6 === 0 ? 0.55 : 1;
      const daylight = 0.3 + 0.7 * Math.max(0, Math.sin((Math.PI * (hour - 5)) / 16));
      if (r.float() < weekday * daylight) return Math.floor(t);
    }
  }

  private newTrace(startMs: number): Trace {
    const r = this.rng;
    const project = this.projects[this.projectDraw.draw(r)]!;
    const userIdx = this.userDraw.draw(r);
    const userId = `user_${String(userIdx).padStart(5, '0')}`;
    // A user's tier is a property of the user, not of the call.
    const tier = TIERS[this.tierOf.draw(new Rng(fnv1a(`${project}/${userId}`)))]![0];
    const day = Math.floor(startMs / DAY_MS);
    const sessionId = `sess_${fnv1a(`${project}/${userId}/${day}/${r.int(0, 2)}`).toString(16).padStart(8, '0')}`;
    const tags: string[] = [];
    for (let i = r.int(0, 3); i > 0; i--) {
      const t = r.pick(TAGS);
      if (!tags.includes(t)) tags.push(t);
    }
    return {
      traceId: r.hex(32),
      project,
      userId,
      sessionId,
      environment: ENVIRONMENTS[this.envDraw.draw(r)]![0],
      base: { feature: r.pick(FEATURES), user: { tier }, region: r.pick(REGIONS) },
      tags,
    };
  }

  private span(t: Trace, startMs: number, parent: string | null, name: string): SpanRecord {
    return {
      ts: new Date(startMs).toISOString(),
      trace_id: t.traceId,
      span_id: this.rng.hex(16),
      parent_span_id: parent,
      project_id: t.project,
      span_name: name,
      provider: null,
      model: null,
      input_text: null,
      output_text: null,
      prompt_tokens: null,
      completion_tokens: null,
      total_tokens: null,
      prompt_cost_usd: null,
      completion_cost_usd: null,
      total_cost_usd: null,
      duration_ms: 0,
      ttft_ms: null,
      status_code: 'OK',
      error_message: null,
      user_id: t.userId,
      session_id: t.sessionId,
      environment: t.environment,
      tags: t.tags,
      attributes: { ...t.base },
    };
  }

  /** One LLM call: tokens, prices, latency and (rarely) a failure. */
  private llm(t: Trace, startMs: number, parent: string | null, promptMedian: number, embedding = false): SpanRecord {
    const r = this.rng;
    const m: ModelSpec = embedding ? EMBEDDING_MODELS[this.embedDraw.draw(r)]! : CHAT_MODELS[this.chatDraw.draw(r)]!;
    const s = this.span(t, startMs, parent, embedding ? 'llm.embedding' : r.chance(0.9) ? 'llm.chat.completion' : 'llm.completion');
    s.provider = m.provider;
    s.model = m.model;
    s.input_text = prompt(r, embedding ? 10 : 22);
    const promptTokens = Math.round(clamp(r.logNormal(promptMedian, 0.9), 5, Math.min(m.contextTokens, 120_000)));
    const completionTokens = embedding ? 0 : Math.round(clamp(r.logNormal(180, 0.8), 1, 4096));
    s.attributes = {
      ...s.attributes,
      temperature: embedding ? 0 : r.pick([0, 0.2, 0.7, 1]),
      stream: !embedding && r.chance(0.6),
      cache_hit: r.chance(0.12),
      retry_count: r.chance(0.05) ? r.int(1, 3) : 0,
      prompt_version: `v${r.int(1, 5)}`,
    };
    if (r.chance(ERROR_RATE)) {
      const f = drawFailure(r, m, promptTokens);
      s.status_code = 'ERROR';
      s.error_message = f.message;
      s.duration_ms = f.durationMs;
      return s;
    }
    s.status_code = r.chance(0.05) ? 'SUCCESS' : 'OK';
    s.output_text = embedding ? null : completion(r, 40);
    s.prompt_tokens = promptTokens;
    s.completion_tokens = completionTokens;
    s.total_tokens = promptTokens + completionTokens;
    s.prompt_cost_usd = cost(promptTokens, m.inPrice);
    s.completion_cost_usd = cost(completionTokens, m.outPrice);
    s.total_cost_usd = cost(1, promptTokens * m.inPrice + completionTokens * m.outPrice);
    const ttft = Math.round(r.logNormal(m.ttftMedianMs * (1 + promptTokens / 40_000), 0.5));
    // A 1 % tail of slow calls (cold starts, queueing at the provider).
    const spike = r.chance(0.01) ? r.int(3, 10) : 1;
    s.ttft_ms = embedding ? null : ttft * spike;
    s.duration_ms = Math.round(ttft * spike + completionTokens * m.msPerToken * r.logNormal(1, 0.35));
    return s;
  }

  private tool(t: Trace, startMs: number, parent: string): SpanRecord {
    const r = this.rng;
    const s = this.span(t, startMs, parent, 'tool.call');
    const name = r.pick(TOOLS);
    s.attributes = { ...s.attributes, tool: { name, attempt: 1 } };
    s.input_text = JSON.stringify({ tool: name, query: prompt(r, 6) });
    s.output_text = completion(r, 15);
    s.duration_ms = Math.round(clamp(r.logNormal(180, 1.1), 2, 60_000));
    return s;
  }

  /** Wraps children in a root span covering them; an error below marks the root. */
  private root(t: Trace, startMs: number, rootSpan: SpanRecord, children: SpanRecord[], endMs: number): SpanRecord[] {
    rootSpan.duration_ms = Math.max(1, endMs - startMs + this.rng.int(1, 40));
    const failed = children.find((c) => c.status_code === 'ERROR');
    if (failed) {
      rootSpan.status_code = 'ERROR';
      rootSpan.error_message = `Step ${failed.span_name} failed: ${failed.error_message}`;
    } else {
      rootSpan.status_code = 'OK';
      rootSpan.output_text = children[children.length - 1]?.output_text ?? null;
    }
    return [rootSpan, ...children];
  }

  private trace(): SpanRecord[] {
    const r = this.rng;
    const start = this.startMs();
    const t = this.newTrace(start);
    const shape = r.float();
    if (shape < 0.55) return [this.llm(t, start, null, 450)];

    const isRag = shape < 0.8;
    const root = this.span(t, start, null, isRag ? 'rag.pipeline' : 'agent.run');
    root.input_text = prompt(r, 18);
    root.status_code = 'UNSET';
    const children: SpanRecord[] = [];
    let at = start + r.int(1, 15);
    const push = (s: SpanRecord) => {
      children.push(s);
      at = Date.parse(s.ts) + s.duration_ms + r.int(1, 25);
      return s.status_code !== 'ERROR';
    };
    if (isRag) {
      if (push(this.llm(t, at, root.span_id, 40, true))) {
        const search = this.span(t, at, root.span_id, 'retrieval.vector_search');
        search.duration_ms = Math.round(clamp(r.logNormal(35, 0.7), 2, 5_000));
        search.attributes = { ...search.attributes, top_k: r.pick([3, 5, 10, 20]), index: 'docs-v2' };
        search.status_code = 'UNSET';
        push(search);
        push(this.llm(t, at, root.span_id, 1800));
      }
    } else {
      for (let step = r.int(1, 5); step > 0; step--) {
        const call = this.llm(t, at, root.span_id, 900);
        if (!push(call)) break;
        // The tool runs under the step that asked for it.
        if (r.chance(0.7)) push(this.tool(t, at, call.span_id));
      }
    }
    return this.root(t, start, root, children, at);
  }
}

export function generateSpans(opts: SeedOptions): Generator<SpanRecord> {
  return new SpanGenerator(opts).spans();
}
