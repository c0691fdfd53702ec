import { describe, expect, it } from 'vitest';
import { LagTracker, parseLsn } from '../../src/replica/replica-lag.js';

describe('parseLsn', () => {
  it('orders LSNs across the 32-bit boundary', () => {
    expect(parseLsn('0/FFFFFFFF') < parseLsn('1/0')).toBe(true);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(() => parseLsn('nope')).toThrow(/not an LSN/);
  });
});

describe('LagTracker', () => {
  it('reports no lag for an idle primary however old its last write is', () => {
    const t = new LagTracker();
    expect(t.observe(100n, 100n, 0)).toBe(0);
    expect(t.observe(100n, 100n, 3_600_000)).toBe(0);
  });

  it('measures lag from when the oldest unreplayed position was first seen', () => {
    const t = new LagTracker();
    expect(t.observe(100n, 100n, 0)).toBe(0);
    expect(t.observe(200n, 100n, 1000)).toBe(0);
    expect(t.observe(300n, 100n, 3000)).toBe(2);
    // The replica replays up to 200: the lag now dates from the sample of 300.
    expect(t.observe(300n, 250n, 4000)).toBe(1);
    expect(t.observe(300n, 300n, 5000)).toBe(0);
  });

  it('stays bounded however long the replica is stuck', () => {
    const t = new LagTracker();
    for (let i = 1; i <= 5000; i++) t.observe(BigInt(i), 0n, i * 1000);
    expect(t.observe(5001n, 0n, 5001 * 1000)).toBe(5000);
    expect((t as unknown as { samples: unknown[] }).samples.length).toBeLessThanOrEqual(600);
  });
});
