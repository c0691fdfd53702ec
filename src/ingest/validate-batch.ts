// A request body -> the SpanRecords to write, or one error for the whole
// batch. Nothing is written unless every span is valid and writable by the
// caller: a batch is accepted or rejected as a unit (docs/ingest.md).
import { canAccessProject, type Principal } from '../auth/principal.js';
import { AppError, appError } from '../errors.js';
import type { SpanRecord } from '../storage/span-record.js';
import { FieldErrors } from './field-errors.js';
import { validateSpan, type SpanDraft } from './validate-span.js';

const NOT_A_BATCH = 'Body must be a JSON array of spans or an object { "spans": [...] }';

/** The spans array of either accepted body shape. */
export function spansOf(body: unknown, maxBatch: number): unknown[] {
  let spans: unknown = body;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const keys = Object.keys(body);
    if (keys.length !== 1 || keys[0] !== 'spans') {
      throw appError.INVALID_BATCH(NOT_A_BATCH);
    }
    spans = (body as { spans: unknown }).spans;
  }
  if (!Array.isArray(spans)) throw appError.INVALID_BATCH(NOT_A_BATCH);
  if (spans.length === 0) throw appError.INVALID_BATCH('The batch holds no spans');
  if (spans.length > maxBatch) {
    throw appError.BATCH_TOO_LARGE(maxBatch, spans.length);
  }
  return spans;
}

function invalid(errors: FieldErrors): AppError {
  const first = errors.problems[0]!;
  // Once the list is full validation stops, so the count is a lower bound.
  const others = errors.count - 1;
  const more = errors.full ? ' (and more problems)' : others > 0 ? ` (and ${others} more problem${others > 1 ? 's' : ''})` : '';
  return appError.INVALID_SPAN(`Invalid span: ${first.path} ${first.message}${more}; nothing was stored`, errors.problems);
}

/**
 * Resolves each span's project: an explicit project_id must be writable by
 * the caller; without one, a caller with exactly one project writes there.
 * Admin (all projects) must always name the project.
 */
function resolveProjects(drafts: SpanDraft[], principal: Principal): SpanRecord[] {
  const errors = new FieldErrors();
  const denied = new FieldErrors();
  const only = principal.projects !== 'all' && principal.projects.length === 1 ? principal.projects[0]! : null;
  drafts.forEach((d, i) => {
    if (d.project_id === null) {
      if (only !== null) d.project_id = only;
      else errors.add(`spans[${i}].project_id`, principal.projects === 'all' ? 'is required for admin tokens' : 'is required: the token grants several projects');
    } else if (!canAccessProject(principal, d.project_id)) {
      denied.add(`spans[${i}].project_id`, `no write access to project '${d.project_id}'`);
    }
  });
  if (errors.count > 0) throw invalid(errors);
  if (denied.count > 0) {
    const first = denied.problems[0]!;
    throw appError.FORBIDDEN(`${first.path}: ${first.message}; nothing was stored`, denied.problems);
  }
  return drafts as SpanRecord[];
}

export function validateBatch(body: unknown, principal: Principal, maxBatch: number): SpanRecord[] {
  const spans = spansOf(body, maxBatch);
  const errors = new FieldErrors();
  const drafts: SpanDraft[] = [];
  for (let i = 0; i < spans.length && !errors.full; i++) {
    const d = validateSpan(spans[i], i, errors);
    if (d) drafts.push(d);
  }
  if (errors.count > 0) throw invalid(errors);
  return resolveProjects(drafts, principal);
}
