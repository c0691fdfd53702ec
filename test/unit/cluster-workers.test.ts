import { describe, expect, it } from 'vitest';
import { restartDelayMs } from '../../src/cluster/supervisor.js';
import { defaultWorkerCount } from '../../src/cluster/worker-count.js';

describe('worker count', () => {
  it('is one per core in production and one otherwise', () => {
    expect(defaultWorkerCount({ NODE_ENV: 'production' }, 8)).toBe(8);
    expect(defaultWorkerCount({ NODE_ENV: 'development' }, 8)).toBe(1);
    expect(defaultWorkerCount({}, 8)).toBe(1);
    expect(defaultWorkerCount({ NODE_ENV: 'production' }, 500)).toBe(64);
  });
});

describe('restart backoff', () => {
  it('restarts a first crash at once, then doubles up to a cap', () => {
    expect([1, 2, 3, 4, 5].map(restartDelayMs)).toEqual([0, 250, 500, 1000, 2000]);
    expect(restartDelayMs(50)).toBe(30_000);
  });
});
