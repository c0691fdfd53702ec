// What a frozen Redis (process stopped, TCP still accepting) adds to P95:
// the same cache-miss workload with Redis answering, then with redis-server
// under SIGSTOP. Every request is different (a distinct far-past `from`), so
// each one asks Redis and then the database.
import { spawn } from 'node:child_process';
import { shapeOf } from '../../src/perf/query-shapes.js';
import { freePort } from '../../test/helpers/free-port.js';
import { startApi } from './api-server.js';
import { runLoad } from './load.js';
import type { LatencySummary } from './stats.js';

export interface RedisFrozenResult {
  healthy: LatencySummary;
  frozen: LatencySummary;
  addedP95: number;
}

export async function redisFrozenSuite(o: {
  dbUrl: string;
  secret: string;
  jwt: string;
  env: Record<string, string>;
  connections: number;
  durationS: number;
  log: (m: string) => void;
}): Promise<RedisFrozenResult> {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  if (redis.exitCode !== null) throw new Error('redis-server did not start (is it installed?)');
  const api = await startApi({ ...o.env, DATABASE_URL: o.dbUrl, JWT_SECRET: o.secret, CACHE_ENABLED: 'true', REDIS_URL: `redis://127.0.0.1:${port}` });
  try {
    const base = shapeOf('simple', 'common').body;
    let n = 0;
    const bodies = (count: number) =>
      Array.from({ length: count }, () => JSON.stringify({ ...base, from: new Date(Date.UTC(2000, 0, 1) + n++ * 1000).toISOString() }));
    const load = () => runLoad({ url: `${api.baseUrl}/api/v1/traces/search`, method: 'POST', headers: { authorization: `Bearer ${o.jwt}` }, bodies: bodies(200_000) }, o.connections, o.durationS);
    const healthy = await load();
    o.log(`  Redis answering: p95 ${healthy.p95} ms, ${healthy.rps} req/s`);
    redis.kill('SIGSTOP');
    let frozen: LatencySummary;
    try {
      frozen = await load();
    } finally {
      redis.kill('SIGCONT');
    }
    o.log(`  Redis frozen:    p95 ${frozen.p95} ms, ${frozen.rps} req/s, ${frozen.errors} errors`);
    return { healthy, frozen, addedP95: Math.round((frozen.p95 - healthy.p95) * 100) / 100 };
  } finally {
    await api.stop();
    redis.kill('SIGTERM');
  }
}
