import type { MarketView } from '../engine/market-view';
import type { AccountRecord } from '../engine/state';
import { dayMs } from '../market/hours';

/** What the tracker keeps per symbol of the replay: its latest close and how to value it in USD. */
interface Mark {
  close: number;
  /** The quote currency when it is not USD (valued at each bar), else null (a rate of 1). */
  convertFrom: string | null;
}

/**
 * Follows an account's equity bar by bar, marked to each symbol's latest close: the drawdown and
 * exposure of a backtest are measured over every bar, the curve kept once per UTC day. Called
 * for every bar of years of data, so it avoids work when the account is flat.
 */
export class EquityTracker {
  private readonly marks = new Map<string, Mark>();
  private readonly curve: [number, number][] = [];
  private peak: number;
  private maxDrawdown = 0;
  private bars = 0;
  private exposedBars = 0;
  private lastT = Number.NaN;
  /** The UTC day of the last bar: [dayStartAt, nextDayAt). */
  private dayStartAt = Number.POSITIVE_INFINITY;
  private nextDayAt = Number.NEGATIVE_INFINITY;
  private lastSymbol = '';
  private lastMark: Mark | undefined;
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
    // Single-symbol backtests ask about one symbol bar after bar: no map lookup then.
    let mark = this.lastMark;
    if (mark === undefined || this.lastSymbol !== symbol) {
      mark = this.markOf(symbol);
      this.lastSymbol = symbol;
      this.lastMark = mark;
    }
    mark.close = close;
    this.bars++;
    let equity = account.balance;
    const positions = account.positions;
    if (positions.size > 0) {
      this.exposedBars++;
      const only = positions.size === 1 ? positions.get(symbol) : undefined;
      if (only !== undefined) {
        // The common case (one symbol held, this bar's): no iterator per bar.
        const usdRate = mark.convertFrom === null ? 1 : this.market.usdPer(mark.convertFrom, t);
        equity += (close - only.avg_price) * only.quantity * usdRate;
      } else
        for (const [held, position] of positions) {
          const heldMark = this.marks.get(held);
          if (heldMark === undefined) continue;
          const usdRate =
            heldMark.convertFrom === null ? 1 : this.market.usdPer(heldMark.convertFrom, t);
          equity += (heldMark.close - position.avg_price) * position.quantity * usdRate;
        }
    }
    if (equity > this.peak) this.peak = equity;
    else if (this.peak > 0) {
      const drawdown = (this.peak - equity) / this.peak;
      if (drawdown > this.maxDrawdown) this.maxDrawdown = drawdown;
    }
    if (t >= this.nextDayAt || t < this.dayStartAt) {
      // A new UTC day: the curve keeps the last bar of the day before.
      if (this.bars > 1) this.curve.push([this.lastT, this.lastEquity]);
      this.dayStartAt = Math.floor(t / dayMs) * dayMs;
      this.nextDayAt = this.dayStartAt + dayMs;
    }
    this.lastT = t;
    this.lastEquity = equity;
  }

  private markOf(symbol: string): Mark {
    let mark = this.marks.get(symbol);
    if (mark === undefined) {
      const currency = this.market.instrument(symbol)?.quote_currency ?? 'USD';
      mark = { close: 0, convertFrom: currency === 'USD' ? null : currency };
      this.marks.set(symbol, mark);
    }
    return mark;
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
