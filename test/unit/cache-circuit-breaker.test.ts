// The circuit breaker in front of Redis: open, trial, close.
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/cache/circuit-breaker.js';

describe('CircuitBreaker', () => {
  it('opens after the threshold, admits one trial after the cooldown, closes on success', async () => {
    let t = 0;
    const b = new CircuitBreaker({ threshold: 2, cooldownMs: 1000, now: () => t });
    const fail = () => b.run(() => Promise.reject(new Error('down')));
    await expect(fail()).rejects.toThrow('down');
    expect(b.state).toBe('closed');
    await expect(fail()).rejects.toThrow('down');
    expect(b.state).toBe('open');
    let calls = 0;
    await expect(b.run(async () => ++calls)).rejects.toThrow('circuit open');
    expect(calls).toBe(0);
    t = 1000;
    let release!: () => void;
    const trial = b.run(() => new Promise<void>((r) => (release = r)));
    expect(b.state).toBe('half-open');
    // Only one trial at a time.
    await expect(b.run(async () => ++calls)).rejects.toThrow('circuit open');
    release();
    await trial;
    expect(b.state).toBe('closed');
    await b.run(async () => ++calls);
    expect(calls).toBe(1);
  });

  it('re-opens when the trial fails', async () => {
    let t = 0;
    const b = new CircuitBreaker({ threshold: 1, cooldownMs: 100, now: () => t });
    await expect(b.run(() => Promise.reject(new Error('x')))).rejects.toThrow();
    t = 150;
    await expect(b.run(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(b.state).toBe('open');
    t = 200;
    await expect(b.run(async () => 1)).rejects.toThrow('circuit open');
  });
});
