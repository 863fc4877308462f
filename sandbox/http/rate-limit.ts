/** A fixed one-second window per subject (a key, an account, or an address). */
export interface RateWindow {
  limit: number;
  remaining: number;
  /** Epoch ms when the window refills. */
  reset: number;
}

interface Counter {
  windowStart: number;
  count: number;
}

export class RateLimiter {
  private readonly counters = new Map<string, Counter>();
  private sweptAt = 0;

  constructor(
    readonly limit: number,
    private readonly windowMs = 1000,
  ) {}

  /** Counts one request; `allowed` is false once the window's limit is spent. */
  take(subject: string, now: number): RateWindow & { allowed: boolean } {
    const windowStart = now - (now % this.windowMs);
    let counter = this.counters.get(subject);
    if (!counter) {
      this.sweep(windowStart);
      counter = { windowStart, count: 0 };
      this.counters.set(subject, counter);
    } else if (counter.windowStart !== windowStart) {
      counter.windowStart = windowStart;
      counter.count = 0;
    }
    const allowed = counter.count < this.limit;
    if (allowed) counter.count++;
    return {
      allowed,
      limit: this.limit,
      remaining: this.limit - counter.count,
      reset: windowStart + this.windowMs,
    };
  }

  /** The window as it stands, without counting. */
  peek(subject: string, now: number): RateWindow {
    const windowStart = now - (now % this.windowMs);
    const counter = this.counters.get(subject);
    const used = counter && counter.windowStart === windowStart ? counter.count : 0;
    return { limit: this.limit, remaining: this.limit - used, reset: windowStart + this.windowMs };
  }

  /** Forgets idle subjects now and then, so one-off addresses do not accumulate. */
  private sweep(windowStart: number): void {
    if (windowStart - this.sweptAt < 60_000) return;
    this.sweptAt = windowStart;
    for (const [subject, counter] of this.counters) {
      if (counter.windowStart < windowStart) this.counters.delete(subject);
    }
  }
}
