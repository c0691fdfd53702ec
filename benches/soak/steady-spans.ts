// Realistic ingest batches for the steady profile: the seeder's own span
// generator (prompts and completions from its vocabulary, RAG and agent
// traces, 2 % failures with error messages, tags), re-stamped to "now" and
// to the soak's trace ids so the run can count exactly what it stored.
import { randomInt } from 'node:crypto';
import { generateSpans } from '../../src/seed/generate.js';
import type { SpanRecord } from '../../src/storage/span-record.js';

export class SteadySpans {
  private readonly source: Generator<SpanRecord>;

  constructor(
    private readonly runId: string,
    private readonly projects: readonly string[],
  ) {
    // One endless stream per client; only the texts and shapes matter, times are re-stamped.
    this.source = generateSpans({ rows: Number.MAX_SAFE_INTEGER, projects: 3, days: 1, seed: randomInt(2 ** 31), end: new Date() });
  }

  /** `size` spans of batch `batchNo`: trace ids `soak-<run>-<batch>-<trace>`, attribute soak_run. */
  batch(batchNo: number, size: number): unknown[] {
    const now = Date.now();
    const traces = new Map<string, string>();
    const out: unknown[] = [];
    for (let i = 0; i < size; i++) {
      const s = this.source.next().value as SpanRecord;
      let traceId = traces.get(s.trace_id);
      if (!traceId) {
        traceId = `soak-${this.runId}-${batchNo}-${traces.size}`;
        traces.set(s.trace_id, traceId);
      }
      out.push({
        ...s,
        ts: new Date(now - (size - i)).toISOString(),
        trace_id: traceId,
        project_id: this.projects[batchNo % this.projects.length],
        attributes: { ...s.attributes, soak_run: this.runId },
      });
    }
    return out;
  }
}
