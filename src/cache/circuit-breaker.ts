// Stops calling a dependency that keeps failing, and lets one trial call
// through after a cooldown to find out whether it is back. Without it a frozen
// Redis would cost every request the full per-call timeout.

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitOpenError extends Error {
  constructor() {
    super('circuit open');
    this.name = 'CircuitOpenError';
  }
}

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  threshold: number;
  /** How long the circuit stays open before one trial call is allowed. */
  cooldownMs: number;
  onStateChange?: (state: BreakerState, previous: BreakerState) => void;
  now?: () => number;
}

export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private readonly now: () => number;

  constructor(private readonly opts: BreakerOptions) {
    this.now = opts.now ?? Date.now;
  }

  get state(): BreakerState {
    return this.current;
  }

  /** Runs fn unless the circuit is open; records its outcome. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.admit()) throw new CircuitOpenError();
    try {
      const value = await fn();
      this.succeeded();
      return value;
    } catch (err) {
      this.failed();
      throw err;
    }
  }

  private admit(): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'open' && this.now() - this.openedAt >= this.opts.cooldownMs) this.transition('half-open');
    // Half-open: exactly one trial at a time; everyone else is still turned away.
    if (this.current === 'half-open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return true;
    }
    return false;
  }

  private succeeded(): void {
    this.failures = 0;
    this.trialInFlight = false;
    if (this.current !== 'closed') this.transition('closed');
  }

  private failed(): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.current === 'half-open' || (this.current === 'closed' && this.failures >= this.opts.threshold)) {
      this.openedAt = this.now();
      this.transition('open');
    }
  }

  private transition(next: BreakerState): void {
    const previous = this.current;
    this.current = next;
    this.opts.onStateChange?.(next, previous);
  }
}
