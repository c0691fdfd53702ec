// Span ingest outcomes. The ingest route calls recordIngest() once per batch.
import { counter } from './registry.js';

export const INGEST_RESULTS = ['accepted', 'duplicate', 'rejected'] as const;

export const ingestSpansTotal = counter('ingest_spans_total', 'Spans received by ingest, by result: accepted (stored), duplicate (already stored), rejected (invalid)', [
  'result',
]);

// Start every series at zero so rate() and the dashboard work before the first
// duplicate or rejection ever happens.
for (const result of INGEST_RESULTS) ingestSpansTotal.inc({ result }, 0);

export function recordIngest(accepted: number, duplicates: number, rejected: number): void {
  if (accepted > 0) ingestSpansTotal.inc({ result: 'accepted' }, accepted);
  if (duplicates > 0) ingestSpansTotal.inc({ result: 'duplicate' }, duplicates);
  if (rejected > 0) ingestSpansTotal.inc({ result: 'rejected' }, rejected);
}
