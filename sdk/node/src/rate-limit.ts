/** The `X-RateLimit-*` headers of one answer. */
export interface RateLimitHeaders {
  limit: number;
  remaining: number;
  /** Epoch ms on the server's clock when the window refills. */
  reset: number;
}

/** Reads the `X-RateLimit-*` headers; null when any is missing or not a number. */
export function readRateLimit(header: (name: string) => string | null): RateLimitHeaders | null {
  const limit = Number(header('x-ratelimit-limit'));
  const remaining = Number(header('x-ratelimit-remaining'));
  const reset = Number(header('x-ratelimit-reset'));
  if (header('x-ratelimit-reset') === null || ![limit, remaining, reset].every(Number.isFinite)) {
    return null;
  }
  return { limit, remaining, reset };
}

/** A reset this close to our clock means the clocks agree (the real API; a sandbox on real time). */
const alignedWithinMs = 60_000;
/** The API's rate windows last a second. */
const windowMs = 1_000;

/**
 * Tracks the server's rate-limit window so that a client that has spent it waits for the refill
 * instead of earning a 429. The reset time is on the server's clock. Usually that is ours (a
 * reset within a minute of our clock). A sandbox started with `--now` runs in the past; then the
 * skew is bounded from below: when an answer left the server its window had begun, so
 * (server clock − ours) ≥ reset − window − received. Using the largest such bound can only make
 * the wait longer than needed (by less than a window), never short enough to earn a 429.
 */
export class RateLimitTracker {
  private skew: number | null = null;
  private window: RateLimitHeaders | null = null;

  constructor(
    private readonly now: () => number = Date.now,
    /** Never wait longer than this for a window, whatever the headers say. */
    private readonly maxWaitMs = 60_000,
  ) {}

  /** Records the headers of an answer received at local time `receivedAt`. */
  observe(headers: RateLimitHeaders, receivedAt: number = this.now()): void {
    const ahead = headers.reset - receivedAt;
    if (ahead >= -alignedWithinMs && ahead <= alignedWithinMs) {
      this.skew = 0;
    } else {
      const lower = ahead - windowMs;
      // A much smaller bound than before: the server's clock was set back (a restart with --now).
      if (this.skew === null || lower > this.skew || lower < this.skew - 5 * windowMs) {
        this.skew = lower;
      }
    }
    this.window = headers;
  }

  /** How long to wait before the next request: 0 unless the last answer spent the window. */
  waitMs(): number {
    const window = this.window;
    if (window === null || window.remaining > 0 || this.skew === null) return 0;
    const serverNow = this.now() + this.skew;
    return Math.min(this.maxWaitMs, Math.max(0, window.reset - serverNow));
  }

  /** After waiting out a spent window: the next answer tells the new state. */
  spentWaited(): void {
    if (this.window !== null) this.window = { ...this.window, remaining: this.window.limit };
  }

  get last(): RateLimitHeaders | null {
    return this.window;
  }
}
