// The doctor report for a terminal: one line per result, its details and its
// fix indented below it, and a summary line.
import type { CheckStatus } from './check.js';
import type { DoctorReport } from './run-doctor.js';

const LABEL: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', info: 'INFO', skip: 'SKIP' };

const indent = (text: string, prefix: string) =>
  text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');

export function formatReport(report: DoctorReport, opts: { verbose?: boolean } = {}): string {
  const lines = [`tracelens doctor: ${report.engine === 'embedded' ? 'embedded engine (PGlite), ' : ''}PostgreSQL ${report.serverVersion}, database ${report.database}`, ''];
  let family = '';
  for (const r of report.results) {
    if (r.check !== family) {
      if (family) lines.push('');
      family = r.check;
      lines.push(`[${family}]`);
    }
    lines.push(`${LABEL[r.status]}  ${r.message}`);
    // Plans and lists are noise on a passing line unless asked for.
    const showDetails = opts.verbose || r.status === 'warn' || r.status === 'fail' || r.status === 'info';
    if (showDetails && r.details?.length) lines.push(indent(r.details.join('\n'), '      '));
    if (r.fix) lines.push('      fix:', indent(r.fix, '        '));
  }
  const s = report.summary;
  lines.push('', `${s.pass} pass, ${s.warn} warn, ${s.fail} fail, ${s.info} info, ${s.skip} skipped: ${verdict(report)}`);
  return lines.join('\n') + '\n';
}

function verdict(r: DoctorReport): string {
  if (!r.ok) return 'FAILED (fix the FAIL lines first)';
  return r.summary.warn > 0 ? 'ok, with warnings' : 'healthy';
}
