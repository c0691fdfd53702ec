// Collects per-field problems of a batch; the 400 names each one by path
// (spans[3].duration_ms) so a client can fix its exporter.
import { MAX_REPORTED_ERRORS } from './limits.js';

export interface FieldProblem {
  path: string;
  message: string;
}

export class FieldErrors {
  readonly problems: FieldProblem[] = [];
  /** Total found, including those not listed. */
  count = 0;

  add(path: string, message: string): void {
    this.count++;
    if (this.problems.length < MAX_REPORTED_ERRORS) this.problems.push({ path, message });
  }

  get full(): boolean {
    return this.problems.length >= MAX_REPORTED_ERRORS;
  }
}
