/**
 * Recognisable intents. Every order the strategy runtime places carries a client_order_id made
 * of the strategy, the bar in progress and the order's place in it:
 * `<strategy-id>-<bar open time in ms, base 36>-<n>`, n counting from 1 within the bar (the same
 * format as the Python SDK). A script that crashes after sending an order and is restarted
 * within the same bar derives the same id when it sends that order again, and the API answers
 * 409 (client_order_id already used) instead of placing a second one.
 */

/**
 * The API's client_order_id is 1 to 64 printable ASCII characters without spaces
 * (api/orders.ts). 40 leaves room for "-<bar: 9 base-36 digits until the year 5188>-<n>" with n
 * up to 13 digits.
 */
const strategyIdMax = 40;

/** The strategy's part of the ids: its name with anything but [A-Za-z0-9._-] made "_", cut short. */
export function strategyIdOf(name: string): string {
  const safe = name
    .trim()
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, strategyIdMax);
  return safe === '' ? 'strategy' : safe;
}

export function intentId(strategyId: string, barOpen: number, n: number): string {
  return `${strategyId}-${barOpen.toString(36)}-${n}`;
}

/** Numbers the orders of each bar in the order they are placed. */
export class IntentIds {
  private bar = Number.NaN;
  private count = 0;

  constructor(
    readonly strategyId: string,
    private readonly barMs: number,
  ) {}

  /** The id of the next order placed at `now` (the market clock): its bar is the one in progress. */
  next(now: number): string {
    const bar = Math.floor(now / this.barMs) * this.barMs;
    if (bar !== this.bar) {
      this.bar = bar;
      this.count = 0;
    }
    this.count++;
    return intentId(this.strategyId, bar, this.count);
  }
}
