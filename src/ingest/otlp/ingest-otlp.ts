// The OTLP ingest use case: decoded resource spans -> span records, each span
// accepted or rejected on its own (OTLP's partial success), then written by
// the same idempotent batch writer as POST /api/v1/traces.
import { authorizeIngest } from '../../auth/permissions.js';
import { canAccessProject, type Principal } from '../../auth/principal.js';
import type { Driver } from '../../storage/driver.js';
import type { SpanRecord } from '../../storage/span-record.js';
import { writeSpans } from '../ingest-batch.js';
import { FieldErrors } from '../field-errors.js';
import { validateSpan } from '../validate-span.js';
import type { Attributes, OtlpResourceSpans, OtlpScopeSpans, OtlpSpan } from './decode.js';
import { mapSpan } from './map-span.js';
import { modelCallMarker, USAGE_KEYS } from './mapping.js';
import type { PriceTable } from './prices.js';

export interface OtlpIngestResult {
  received: number;
  new: number;
  duplicates: number;
  rejected: number;
  /** Why spans were rejected (the first distinct reasons), for partialSuccess.errorMessage. */
  errorMessage: string | null;
}

export interface OtlpIngestOptions {
  prices: readonly PriceTable[];
  maxBatch: number;
}

const MAX_REASONS = 5;

class Rejections {
  count = 0;
  private readonly reasons = new Map<string, number>();
  add(reason: string, n = 1): void {
    this.count += n;
    if (this.reasons.has(reason) || this.reasons.size < MAX_REASONS) this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + n);
  }
  message(): string | null {
    if (this.count === 0) return null;
    return [...this.reasons.entries()].map(([r, n]) => `${n} span${n > 1 ? 's' : ''}: ${r}`).join('; ');
  }
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);

/**
 * The project of a resource's spans: `tracelens.project.id` (which the caller
 * must be allowed to write); else `openinference.project.name` or
 * `service.name` when the caller may write a project of that name; else the
 * caller's only project. Never a project the caller may not write.
 */
function projectOf(resource: Attributes, principal: Principal): { project: string } | { reason: string } {
  const explicit = str(resource['tracelens.project.id']);
  if (explicit !== null) {
    return canAccessProject(principal, explicit) ? { project: explicit } : { reason: `no write access to project '${explicit.slice(0, 128)}'` };
  }
  for (const key of ['openinference.project.name', 'service.name']) {
    const name = str(resource[key]);
    if (name !== null && canAccessProject(principal, name)) return { project: name };
  }
  if (principal.projects !== 'all' && principal.projects.length === 1) return { project: principal.projects[0]! };
  return {
    reason:
      principal.projects === 'all'
        ? 'no project: set the resource attribute tracelens.project.id'
        : 'no project: the token grants several projects; set the resource attribute tracelens.project.id',
  };
}

interface Located {
  span: OtlpSpan;
  resource: Attributes;
  scope: OtlpScopeSpans;
  project: string;
}

const hasUsage = (span: OtlpSpan): boolean => USAGE_KEYS.some((k) => span.attributes[k] !== undefined);

/**
 * Model calls among the spans (see modelCallMarker): a span without a kind
 * marker counts as one when it reports usage and no span of this request
 * below it does, so a framework's parent span repeating its children's
 * totals is not counted twice.
 */
function modelCalls(spans: readonly Located[]): boolean[] {
  const key = (trace: string, id: string) => `${trace}/${id}`;
  const parentOf = new Map<string, string | null>();
  for (const { span } of spans) parentOf.set(key(span.traceId!, span.spanId!), span.parentSpanId);
  const usage = spans.map(({ span }) => hasUsage(span));
  const usageBelow = new Set<string>();
  spans.forEach(({ span }, i) => {
    if (!usage[i]) return;
    // Walk up, bounded: a cyclic parent chain in a hostile request must not spin.
    let parent = span.parentSpanId;
    for (let hops = 0; parent !== null && hops < spans.length; hops++) {
      const k = key(span.traceId!, parent);
      if (usageBelow.has(k)) break;
      usageBelow.add(k);
      parent = parentOf.get(k) ?? null;
    }
  });
  return spans.map(({ span }, i) => {
    const marker = modelCallMarker(span.attributes);
    if (marker !== null) return marker;
    return usage[i]! && !usageBelow.has(key(span.traceId!, span.spanId!));
  });
}

export interface PreparedOtlp {
  received: number;
  rows: SpanRecord[];
  rejected: number;
  errorMessage: string | null;
}

/** Everything but the write: projects, mapping, validation. */
export function prepareOtlp(principal: Principal, resources: readonly OtlpResourceSpans[], prices: readonly PriceTable[]): PreparedOtlp {
  const rejected = new Rejections();
  const located: Located[] = [];
  let received = 0;
  for (const rs of resources) {
    const target = projectOf(rs.resource, principal);
    for (const scope of rs.scopes) {
      received += scope.spans.length;
      if ('reason' in target) {
        if (scope.spans.length) rejected.add(target.reason, scope.spans.length);
        continue;
      }
      for (const span of scope.spans) {
        if (span.invalid) rejected.add(span.invalid);
        else located.push({ span, resource: rs.resource, scope, project: target.project });
      }
    }
  }

  const calls = modelCalls(located);
  const rows: SpanRecord[] = [];
  located.forEach((l, i) => {
    // Attributes are checked once, by fitAttributes (mapSpan): made storable
    // and cut to the limits, never rejected. The JSON ingest's validator is
    // the last word on every other field.
    const { attributes, ...wire } = mapSpan(l.span, l.resource, l.scope, { prices, modelCall: calls[i]! });
    wire.project_id = l.project;
    const errors = new FieldErrors();
    const draft = validateSpan(wire, i, errors);
    if (draft === null) {
      const first = errors.problems[0];
      rejected.add(first ? `${first.path.replace(/^spans\[\d+\]\./, '')} ${first.message}` : 'invalid span');
    } else rows.push({ ...draft, attributes } as SpanRecord);
  });

  return { received, rows, rejected: rejected.count, errorMessage: rejected.message() };
}

export async function ingestOtlp(
  driver: Driver,
  principal: Principal,
  resources: readonly OtlpResourceSpans[],
  opts: OtlpIngestOptions,
): Promise<OtlpIngestResult> {
  authorizeIngest(principal);
  const { received, rows, rejected, errorMessage } = prepareOtlp(principal, resources, opts.prices);
  const written = rows.length ? await writeSpans(driver, rows, opts.maxBatch) : { new: 0, duplicates: 0 };
  return { received, ...written, rejected, errorMessage };
}
