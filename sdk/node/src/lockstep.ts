/**
 * The client side of a replay session's lockstep (speed "max"), kept apart from the sockets so
 * it can be tested alone. Bar k (the candle with seq k) may reach the strategy once the session
 * said `advanced` k (every event up to bar k's close has then arrived), or earlier when the
 * account was quiet at bar k-1 and the strategy did nothing there: then nothing can happen before
 * bar k. Orders wait for `advanced` of the bar they are placed at. Bar k is acknowledged once its
 * handlers returned and their requests were answered; `window` lets the server send candles ahead.
 */
export class LockstepGate {
  /** Highest `advanced` seq received, and whether the account was quiet then. */
  private advanced = 0;
  private readonly quiet = new Map<number, boolean>();
  /** The bar the strategy is at (last delivered), and the last bar at which it acted. */
  private current = 0;
  private actedAt = -1;
  private waiters: { seq: number; resolve: () => void }[] = [];

  constructor(readonly window = 256) {}

  /** An `advanced` message arrived (called on receipt, ahead of the delivery queue). */
  onAdvanced(seq: number, quiet: boolean): void {
    if (seq <= this.advanced) return;
    this.advanced = seq;
    this.quiet.set(seq, quiet);
    // Only the last two are ever asked about.
    this.quiet.delete(seq - 3);
    const ready = this.waiters.filter((waiter) => waiter.seq <= seq);
    this.waiters = this.waiters.filter((waiter) => waiter.seq > seq);
    for (const waiter of ready) waiter.resolve();
  }

  /** Whether bar `seq` (the next one after the current) may go to the strategy now. */
  mayDeliver(seq: number): boolean {
    if (seq <= this.advanced) return true;
    const previous = seq - 1;
    return (
      previous >= 1 &&
      previous <= this.advanced &&
      this.quiet.get(previous) === true &&
      this.actedAt !== previous
    );
  }

  delivering(seq: number): void {
    this.current = seq;
  }

  get bar(): number {
    return this.current;
  }

  /** The strategy placed or cancelled at the current bar; resolves when that is allowed. */
  acting(): Promise<void> {
    const seq = this.current;
    this.actedAt = seq;
    if (seq <= this.advanced) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  /** The ack for the current bar. */
  ack(): { op: 'ack'; seq: number; window: number } {
    return { op: 'ack', seq: this.current, window: this.window };
  }
}
