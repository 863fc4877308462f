import type { MarketView } from '../engine/market-view';
import type { AccountRecord } from '../engine/state';
import { dayMs } from '../market/hours';

/**
 * Follows an account's equity bar by bar, marked to each symbol's latest close: the drawdown and
 * exposure of a backtest are measured over every bar, the curve kept once per UTC day.
 */
export class EquityTracker {
  private readonly marks = new Map<string, number>();
  private readonly curve: [number, number][] = [];
  private peak: number;
  private maxDrawdown = 0;
  private bars = 0;
  private exposedBars = 0;
  private lastT = Number.NaN;
  private lastEquity: number;

  constructor(
    private readonly market: MarketView,
    startingEquity: number,
  ) {
    this.peak = startingEquity;
    this.lastEquity = startingEquity;
  }

  /** Records the account at the close of a bar of `symbol`. */
  record(account: AccountRecord, symbol: string, close: number, t: number): void {
    this.marks.set(symbol, close);
    this.bars++;
    let equity = account.balance;
    if (account.positions.size > 0) {
      this.exposedBars++;
      for (const [held, position] of account.positions) {
        const mark = this.marks.get(held);
        const instrument = this.market.instrument(held);
        if (mark === undefined || instrument === undefined) continue;
        const usdRate = this.market.usdPer(instrument.quote_currency, t);
        equity += (mark - position.avg_price) * position.quantity * usdRate;
      }
    }
    if (equity > this.peak) this.peak = equity;
    else if (this.peak > 0) {
      const drawdown = (this.peak - equity) / this.peak;
      if (drawdown > this.maxDrawdown) this.maxDrawdown = drawdown;
    }
    if (this.bars > 1 && Math.floor(this.lastT / dayMs) !== Math.floor(t / dayMs)) {
      this.curve.push([this.lastT, this.lastEquity]);
    }
    this.lastT = t;
    this.lastEquity = equity;
  }

  /** Equity at the last recorded bar (the starting equity before any). */
  get equity(): number {
    return this.lastEquity;
  }

  summary(): {
    bars: number;
    exposed_bars: number;
    max_drawdown: number;
    equity: [number, number][];
    final_equity: number;
  } {
    const equity: [number, number][] = [...this.curve];
    if (this.bars > 0) equity.push([this.lastT, this.lastEquity]);
    return {
      bars: this.bars,
      exposed_bars: this.exposedBars,
      max_drawdown: this.maxDrawdown,
      equity,
      final_equity: this.lastEquity,
    };
  }
}
