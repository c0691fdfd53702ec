// The supervising process has no Fastify app: it writes the same JSON line
// shape as the workers' pino logs (level number, time, msg), so one log
// pipeline reads both.
const LEVELS = { info: 30, warn: 40, error: 50 } as const;

export type PrimaryLog = (level: keyof typeof LEVELS, fields: Record<string, unknown>, msg: string) => void;

export const primaryLog: PrimaryLog = (level, fields, msg) => {
  process.stdout.write(`${JSON.stringify({ level: LEVELS[level], time: Date.now(), pid: process.pid, role: 'primary', ...fields, msg })}\n`);
};
