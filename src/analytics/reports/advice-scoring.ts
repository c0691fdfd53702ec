// Optimization advice, pure: from per-group figures to concrete items with
// their evidence, impact and priority, and the overall score. The rules and
// thresholds are stated in docs/analytics-endpoints.md; change both together.

export const ADVICE = Object.freeze({
  /** A group needs this many requests in range before any advice names it. */
  minRequests: 20,
  /** An alternative must cost at most this share of the model's cost per request. */
  maxCostRatio: 0.5,
  /** ... and succeed at least this often relative to it (absolute rate difference). */
  successTolerance: 0.02,
  /** High error: at least this rate and this multiple of the overall rate. */
  minErrorRate: 0.05,
  errorMultiple: 2,
  /** High latency: p95 at least this multiple of the overall p95. */
  latencyMultiple: 2,
  /** Token growth: second-half average prompt tokens at least this multiple of the first half's. */
  growthMultiple: 1.25,
  /** Score weights of the four kinds (they sum to 1). */
  weights: { cost: 0.4, errors: 0.25, latency: 0.2, tokens: 0.15 },
});

export const MONTH_DAYS = 30;
export type Priority = 'high' | 'medium' | 'low';
const RANK: Record<Priority, number> = { high: 0, medium: 1, low: 2 };

export interface SpanModelFigures {
  span_name: string;
  model: string | null;
  provider: string | null;
  request_count: number;
  success_rate: number | null;
  total_cost: number;
}

export interface PairFigures {
  model: string | null;
  provider: string | null;
  request_count: number;
  error_rate: number | null;
  p95_latency_ms: number | null;
}

export interface TokenHalves {
  span_name: string;
  first: { request_count: number; avg_prompt_tokens: number | null };
  second: { request_count: number; avg_prompt_tokens: number | null };
}

export interface Overall {
  request_count: number;
  total_cost: number;
  error_rate: number | null;
  p95_latency_ms: number | null;
  /** Length of the range in days (for monthly projections). */
  range_days: number;
}

export type AdviceType = 'model_switch' | 'high_error_rate' | 'high_latency' | 'token_growth';

export interface AdviceItem {
  type: AdviceType;
  priority: Priority;
  title: string;
  /** What acting on it is worth: money per month for model_switch, else affected requests (or tokens) per month. */
  impact: { estimated_monthly_saving_usd: number | null; affected_requests_per_month: number | null; extra_tokens_per_month: number | null };
  evidence: Record<string, string | number | null>;
}

export interface AdviceResult {
  score: number;
  score_components: { cost: number; errors: number; latency: number; tokens: number };
  projected_monthly_cost: number;
  items: AdviceItem[];
}

const perRequest = (f: SpanModelFigures) => f.total_cost / f.request_count;

function byShare(share: number, high: number, medium: number): Priority {
  return share >= high ? 'high' : share >= medium ? 'medium' : 'low';
}

export function deriveAdvice(overall: Overall, spanModels: readonly SpanModelFigures[], pairs: readonly PairFigures[], tokens: readonly TokenHalves[]): AdviceResult {
  const monthly = (x: number) => (overall.range_days > 0 ? (x * MONTH_DAYS) / overall.range_days : 0);
  const projectedCost = monthly(overall.total_cost);
  const items: AdviceItem[] = [];
  const label = (m: string | null, p: string | null) => `${p ?? '(no provider)'}/${m ?? '(no model)'}`;

  // Cheaper alternatives used for the same span name with a similar success rate.
  let saving = 0;
  const eligible = spanModels.filter((f) => f.request_count >= ADVICE.minRequests && f.total_cost > 0 && f.success_rate !== null);
  for (const f of eligible) {
    let alt: SpanModelFigures | null = null;
    for (const g of eligible) {
      if (g === f || g.span_name !== f.span_name || (g.model === f.model && g.provider === f.provider)) continue;
      if (g.success_rate! < f.success_rate! - ADVICE.successTolerance) continue;
      if (perRequest(g) > perRequest(f) * ADVICE.maxCostRatio) continue;
      if (alt === null || perRequest(g) < perRequest(alt)) alt = g;
    }
    if (alt === null) continue;
    const monthlySaving = monthly((perRequest(f) - perRequest(alt)) * f.request_count);
    saving += monthlySaving;
    items.push({
      type: 'model_switch',
      priority: byShare(projectedCost > 0 ? monthlySaving / projectedCost : 0, 0.1, 0.02),
      title: `Use ${label(alt.model, alt.provider)} instead of ${label(f.model, f.provider)} for ${f.span_name}`,
      impact: { estimated_monthly_saving_usd: monthlySaving, affected_requests_per_month: monthly(f.request_count), extra_tokens_per_month: null },
      evidence: {
        span_name: f.span_name,
        model: f.model,
        provider: f.provider,
        request_count: f.request_count,
        cost_per_request: perRequest(f),
        success_rate: f.success_rate,
        alternative_model: alt.model,
        alternative_provider: alt.provider,
        alternative_request_count: alt.request_count,
        alternative_cost_per_request: perRequest(alt),
        alternative_success_rate: alt.success_rate,
      },
    });
  }

  // Model/provider pairs that fail or lag far more than the rest.
  let errorRequests = 0;
  let slowRequests = 0;
  const errorBar = Math.max(ADVICE.minErrorRate, ADVICE.errorMultiple * (overall.error_rate ?? 0));
  for (const p of pairs) {
    if (p.request_count < ADVICE.minRequests) continue;
    if (p.error_rate !== null && p.error_rate >= errorBar) {
      errorRequests += p.request_count;
      items.push({
        type: 'high_error_rate',
        priority: p.error_rate >= 0.2 ? 'high' : p.error_rate >= 0.1 ? 'medium' : 'low',
        title: `${label(p.model, p.provider)} fails ${(p.error_rate * 100).toFixed(1)} % of calls`,
        impact: { estimated_monthly_saving_usd: null, affected_requests_per_month: monthly(p.request_count * p.error_rate), extra_tokens_per_month: null },
        evidence: { model: p.model, provider: p.provider, request_count: p.request_count, error_rate: p.error_rate, overall_error_rate: overall.error_rate },
      });
    }
    if (p.p95_latency_ms !== null && overall.p95_latency_ms !== null && overall.p95_latency_ms > 0 && p.p95_latency_ms >= ADVICE.latencyMultiple * overall.p95_latency_ms) {
      slowRequests += p.request_count;
      items.push({
        type: 'high_latency',
        priority: byShare(p.request_count / overall.request_count, 0.1, 0.02),
        title: `${label(p.model, p.provider)} has a p95 latency of ${Math.round(p.p95_latency_ms)} ms`,
        impact: { estimated_monthly_saving_usd: null, affected_requests_per_month: monthly(p.request_count), extra_tokens_per_month: null },
        evidence: { model: p.model, provider: p.provider, request_count: p.request_count, p95_latency_ms: p.p95_latency_ms, overall_p95_latency_ms: overall.p95_latency_ms },
      });
    }
  }

  // Prompts (span names) whose prompt token counts grew between the two halves of the range.
  let growthRequests = 0;
  for (const t of tokens) {
    const a = t.first.avg_prompt_tokens;
    const b = t.second.avg_prompt_tokens;
    if (t.first.request_count < ADVICE.minRequests || t.second.request_count < ADVICE.minRequests || a === null || b === null || a <= 0) continue;
    if (b < a * ADVICE.growthMultiple) continue;
    const growth = b / a - 1;
    growthRequests += t.second.request_count;
    items.push({
      type: 'token_growth',
      priority: growth >= 1 ? 'high' : growth >= 0.5 ? 'medium' : 'low',
      title: `Prompts of ${t.span_name} grew ${(growth * 100).toFixed(0)} % in tokens`,
      // The second half is half the range: its requests per month are twice its share.
      impact: { estimated_monthly_saving_usd: null, affected_requests_per_month: monthly(2 * t.second.request_count), extra_tokens_per_month: monthly(2 * t.second.request_count * (b - a)) },
      evidence: {
        span_name: t.span_name,
        first_half_avg_prompt_tokens: a,
        second_half_avg_prompt_tokens: b,
        growth,
        first_half_request_count: t.first.request_count,
        second_half_request_count: t.second.request_count,
      },
    });
  }

  const share = (x: number, of: number) => (of > 0 ? Math.min(1, x / of) : 0);
  const components = {
    cost: share(saving, projectedCost),
    errors: share(errorRequests, overall.request_count),
    latency: share(slowRequests, overall.request_count),
    tokens: share(growthRequests, overall.request_count),
  };
  const w = ADVICE.weights;
  const score = Math.round(100 * (1 - w.cost * components.cost - w.errors * components.errors - w.latency * components.latency - w.tokens * components.tokens));
  const impactOf = (i: AdviceItem) => i.impact.estimated_monthly_saving_usd ?? i.impact.affected_requests_per_month ?? 0;
  items.sort((x, y) => RANK[x.priority] - RANK[y.priority] || impactOf(y) - impactOf(x) || x.title.localeCompare(y.title));
  return { score: Math.max(0, Math.min(100, score)), score_components: components, projected_monthly_cost: projectedCost, items };
}
