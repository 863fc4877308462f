export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failures (network errors, 5xx) that open the breaker. */
  failureThreshold: number;
  /** A request slower than this opens the breaker at once. */
  latencyLimitMs: number;
  /** How long the breaker stays open before it lets one trial request through. */
  cooldownMs: number;
  /** Called on every change of state, e.g. to log "trading paused". */
  onStateChange?: (change: BreakerChange) => void;
  now?: () => number;
}

export interface BreakerChange {
  from: BreakerState;
  to: BreakerState;
  /** Why, in words: "5 consecutive failures", "a request took 1,350 ms", ... */
  reason: string;
}

export const defaultBreakerOptions = {
  failureThreshold: 5,
  latencyLimitMs: 1000,
  cooldownMs: 5000,
} as const;

/**
 * A circuit breaker over the API. While open, the calls it guards (order placement) are refused
 * without a request; after the cooldown one trial goes through, and its outcome closes the
 * breaker or opens it again for another cooldown.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private readonly options: Required<Omit<BreakerOptions, 'onStateChange'>> &
    Pick<BreakerOptions, 'onStateChange'>;

  constructor(options: Partial<BreakerOptions> = {}) {
    this.options = { ...defaultBreakerOptions, now: Date.now, ...options };
  }

  get state(): BreakerState {
    return this.current;
  }

  /** When an open breaker lets its trial through (local epoch ms). */
  get retryAt(): number {
    return this.openedAt + this.options.cooldownMs;
  }

  /**
   * Whether a guarded call may go ahead now. An open breaker whose cooldown has passed moves to
   * half-open and admits exactly one trial until that trial's outcome is recorded.
   */
  allow(): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'open') {
      if (this.options.now() < this.retryAt) return false;
      this.transition('half_open', 'the cooldown passed; one trial request goes through');
      this.trialInFlight = true;
      return true;
    }
    if (this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** A request answered (any status below 500) after `latencyMs`. */
  recordSuccess(latencyMs: number): void {
    if (latencyMs > this.options.latencyLimitMs) {
      this.trip(
        `a request took ${Math.round(latencyMs)} ms (limit ${this.options.latencyLimitMs} ms)`,
      );
      return;
    }
    this.failures = 0;
    this.trialInFlight = false;
    if (this.current !== 'closed') this.transition('closed', 'a request succeeded');
  }

  /** A request failed: network error, timeout or 5xx. */
  recordFailure(what: string): void {
    this.failures++;
    this.trialInFlight = false;
    if (this.current === 'half_open') {
      this.trip(`the trial request failed (${what})`);
    } else if (this.current === 'closed' && this.failures >= this.options.failureThreshold) {
      this.trip(`${this.failures} consecutive failures, the last: ${what}`);
    }
  }

  private trip(reason: string): void {
    this.openedAt = this.options.now();
    this.trialInFlight = false;
    if (this.current !== 'open') this.transition('open', reason);
  }

  private transition(to: BreakerState, reason: string): void {
    const from = this.current;
    this.current = to;
    this.options.onStateChange?.({ from, to, reason });
  }
}
