// Overload shedding: past the heap (or event-loop) threshold every request is
// answered 503 with Retry-After in the error envelope, without doing the work.
import { expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/backends.js';

describeEachBackend('overload shedding', (backend) => {
  it('answers 503 with Retry-After when the heap is over the threshold', async () => {
    const app = await buildTestApp(backend().driver, { OVERLOAD_MAX_HEAP_BYTES: '1', OVERLOAD_SAMPLE_INTERVAL_MS: '100' });
    try {
      await new Promise((r) => setTimeout(r, 350)); // let the sampler take a reading
      const res = await app.inject({ url: '/health' });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('OVERLOADED');
      expect(res.headers['retry-after']).toBe('2');
      expect(res.headers['x-request-id']).toBeTruthy();
    } finally {
      await app.close();
    }
  });

  it('serves normally under the default thresholds', async () => {
    const app = await buildTestApp(backend().driver, { OVERLOAD_SAMPLE_INTERVAL_MS: '100' });
    try {
      await new Promise((r) => setTimeout(r, 350));
      expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
