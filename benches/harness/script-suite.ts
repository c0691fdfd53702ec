// Suites that are scripts of their own (the analytics and report suites, on
// their own 90-day database) run from `npm run bench` as child processes:
// same options, their own report files, their exit code folded into the run's.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SCRIPT_SUITES = { analytics: 'analytics.ts', reports: 'reports.ts' } as const;
export type ScriptSuite = keyof typeof SCRIPT_SUITES;

/** The database of the script suites: ANALYTICS_DATABASE_URL, else the scripts' own default. */
const analyticsEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  if (process.env.ANALYTICS_DATABASE_URL) env.DATABASE_URL = process.env.ANALYTICS_DATABASE_URL;
  return env;
};

/** Runs benches/<script> with `args`, output passed through; resolves to its exit code. */
export function runScriptSuite(suite: ScriptSuite, args: readonly string[]): Promise<number> {
  const script = fileURLToPath(new URL(`../${SCRIPT_SUITES[suite]}`, import.meta.url));
  const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [script, ...args], { stdio: 'inherit', env: analyticsEnv() });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 2));
  });
}
