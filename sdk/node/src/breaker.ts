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
  /** Why, in words: "5 requests failed in a row, the last: HTTP 503", "a request took 1,350 ms"… */
  reason: string;
}

export const defaultBreakerOptions = {
  failureThreshold: 5,
  latencyLimitMs: 1000,
  cooldownMs: 5000,
} as const;

/**
 * A circuit breaker over the API. While open, the calls it guards (orders that open or add to a
 * position) are refused without a request; after the cooldown one trial goes through, and its
 * outcome closes the breaker or opens it again for another cooldown. Only a half-open breaker
 * closes: a fast answer to some other request while it is open (a token refresh, a cancel, a
 * retry of an order already sent) does not cut the cooldown short.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private trialsGranted = 0;
  private why = '';
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

  /** Why the breaker last opened, in words; empty while it never has. */
  get reason(): string {
    return this.why;
  }

  /** How many trials were let through so far: names the one a caller holds (see `release`). */
  get trials(): number {
    return this.trialsGranted;
  }

  /**
   * Whether a guarded call may go ahead now. An open breaker whose cooldown has passed moves to
   * half-open and admits exactly one trial until that trial's outcome is recorded.
   */
  allow(): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'open') {
      if (this.options.now() < this.retryAt) return false;
      this.transition('half_open', 'the cooldown passed; one trial order may go through');
      return this.grantTrial();
    }
    if (this.trialInFlight) return false;
    return this.grantTrial();
  }

  /**
   * The guarded call that held trial number `trial` ended. Its answers normally decided already;
   * one that ended without a verdict (only 429s) frees the slot for the next order.
   */
  release(trial: number): void {
    if (this.current === 'half_open' && trial === this.trialsGranted) this.trialInFlight = false;
  }

  private grantTrial(): boolean {
    this.trialInFlight = true;
    this.trialsGranted++;
    return true;
  }

  /** A request answered (any status below 500 but 429) after `latencyMs`. */
  recordSuccess(latencyMs: number): void {
    const limit = this.options.latencyLimitMs;
    if (latencyMs > limit) {
      // Rounded up: a fraction over the limit must not read "took 1000 ms (limit 1000 ms)".
      this.trip(`a request took ${Math.ceil(latencyMs)} ms (limit ${limit} ms)`);
      return;
    }
    this.failures = 0;
    if (this.current === 'half_open') {
      this.trialInFlight = false;
      this.transition('closed', 'a request after the cooldown was answered in time');
    }
  }

  /** A request failed: network error, timeout or 5xx. */
  recordFailure(what: string): void {
    this.failures++;
    if (this.current === 'half_open') {
      this.trip(`the trial after the cooldown failed (${what})`);
    } else if (this.current === 'closed' && this.failures >= this.options.failureThreshold) {
      const count = this.failures;
      this.trip(
        count === 1
          ? `a request failed (${what})`
          : `${count} requests failed in a row, the last: ${what}`,
      );
    }
  }

  private trip(reason: string): void {
    // Open again while open: the cooldown starts over from this failure.
    this.openedAt = this.options.now();
    this.trialInFlight = false;
    this.why = reason;
    if (this.current !== 'open') this.transition('open', reason);
  }

  private transition(to: BreakerState, reason: string): void {
    const from = this.current;
    this.current = to;
    this.options.onStateChange?.({ from, to, reason });
  }
}
