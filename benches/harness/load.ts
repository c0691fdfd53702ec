// HTTP load through autocannon, recording every response time so P95 is
// exact (autocannon's own summary has P97.5 but no P95).
import autocannon from 'autocannon';
import { summarize, type LatencySummary } from './stats.js';

export interface LoadCase {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** One body per request, cycled; several bodies make every request different. */
  bodies?: string[];
  /** Paths (with query strings) cycled for GET cases. */
  paths?: string[];
}

export async function runLoad(c: LoadCase, connections: number, durationS: number): Promise<LatencySummary & { statuses: Record<string, number> }> {
  const samples: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let i = 0;
  const requests = [
    {
      method: c.method,
      setupRequest: (req: Record<string, unknown>) => {
        const n = i++;
        if (c.bodies?.length) req.body = c.bodies[n % c.bodies.length];
        if (c.paths?.length) req.path = c.paths[n % c.paths.length];
        return req;
      },
    },
  ];
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url: c.url,
        connections,
        duration: durationS,
        headers: { 'content-type': 'application/json', ...c.headers },
        requests: requests as unknown as autocannon.Request[],
      },
      (err: Error | null) => (err ? reject(err) : resolve()),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (statusCode >= 400) errors++;
      else samples.push(responseTimeMs);
    });
  });
  const elapsedS = (performance.now() - started) / 1000;
  return { ...summarize(samples, elapsedS, errors), statuses };
}
