// The supervising process has no Fastify app: it writes the same JSON line
// shape as the workers' pino logs (level number, time, msg), so one log
// pipeline reads both.
import type { Config } from '../config.js';

const LEVELS = { info: 30, warn: 40, error: 50 } as const;
/** pino's numbers for LOG_LEVEL; 'silent' logs nothing. */
const THRESHOLD: Record<Config['logLevel'], number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

export type PrimaryLog = (level: keyof typeof LEVELS, fields: Record<string, unknown>, msg: string) => void;

export function primaryLog(logLevel: Config['logLevel']): PrimaryLog {
  return (level, fields, msg) => {
    if (LEVELS[level] < THRESHOLD[logLevel]) return;
    process.stdout.write(`${JSON.stringify({ level: LEVELS[level], time: Date.now(), pid: process.pid, role: 'primary', ...fields, msg })}\n`);
  };
}
