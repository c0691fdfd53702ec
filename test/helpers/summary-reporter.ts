// Prints one plain closing line, "tests: N passed, N failed[, N skipped]", after
// vitest's own summary, so any CI log reader can count the run.
import type { Reporter, RunnerTask, RunnerTestFile } from 'vitest/node';

function collect(tasks: readonly RunnerTask[], counts: { passed: number; failed: number; skipped: number }) {
  for (const t of tasks) {
    if (t.type === 'test') {
      const state = t.result?.state;
      if (state === 'pass') counts.passed++;
      else if (state === 'fail') counts.failed++;
      else counts.skipped++;
    } else if ('tasks' in t) {
      collect(t.tasks, counts);
    }
  }
}

export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = [], errors: unknown[] = []) {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    collect(files, counts);
    // A file that failed to load counts as a failure even if it ran no test.
    const failedFiles = files.filter((f) => f.result?.state === 'fail' && f.tasks.length === 0).length;
    counts.failed += failedFiles + errors.length;
    const skipped = counts.skipped ? `, ${counts.skipped} skipped` : '';
    process.stdout.write(`\ntests: ${counts.passed} passed, ${counts.failed} failed${skipped}\n`);
  }
}
