import type { Interval } from '../../api/common';
import { intervalMs } from '../../api/common';
import type { NamedCandle } from '../market/feed';
import { namedCandleDays } from '../market/feed';
import { nextOpen, sessionClose } from '../market/hours';
import { marketDataEndMs, marketDataStartMs } from '../market/scan';
import { instrumentBySymbol } from '../market/instruments';

/** One bar of a replay: a complete candle of one symbol, released at its close. */
export interface ReplayBar {
  /** Counts the bars of the replay from 1, across symbols. */
  seq: number;
  symbol: string;
  interval: Interval;
  /** When the bar closes: the instant the replay's clock stands at when the bar is released. */
  closeAt: number;
  /** Handed to an in-process strategy as it is: nothing reads it after the clock moved past. */
  candle: NamedCandle;
}

/** The complete candles of one symbol, a day at a time. */
class SymbolBars {
  private day: NamedCandle[] = [];
  private index = 0;

  constructor(
    readonly symbol: string,
    private readonly days: Iterator<NamedCandle[]>,
  ) {
    this.refill();
  }

  /** The next candle, without taking it; undefined at the end. */
  peek(): NamedCandle | undefined {
    return this.day[this.index];
  }

  take(): NamedCandle | undefined {
    const candle = this.day[this.index++];
    if (this.index >= this.day.length) this.refill();
    return candle;
  }

  private refill(): void {
    const next = this.days.next();
    this.day = next.done ? [] : next.value;
    this.index = 0;
  }
}

/**
 * The bars of several symbols in the order their closes happen (ties in the order the symbols
 * were given), over candles whose open time is at or after `from` and whose close is at or
 * before `to`.
 */
export class BarSequence {
  private readonly sources: SymbolBars[];
  private readonly stepMs: number;
  private seq = 0;

  constructor(
    symbols: readonly string[],
    private readonly interval: Interval,
    from: number,
    to: number,
  ) {
    this.stepMs = intervalMs[interval];
    this.sources = symbols.map((symbol) => {
      const instrument = instrumentBySymbol(symbol);
      if (instrument === undefined) throw new Error(`unknown symbol ${symbol}`);
      return new SymbolBars(symbol, namedCandleDays(instrument, interval, from, to - this.stepMs));
    });
  }

  /** How many bars have been released. */
  get released(): number {
    return this.seq;
  }

  /** The close time of the next bar, or undefined when none is left. */
  nextCloseAt(): number | undefined {
    const source = this.earliest();
    const candle = source?.peek();
    return candle === undefined ? undefined : candle.t + this.stepMs;
  }

  next(): ReplayBar | undefined {
    const candle = this.nextCandle();
    if (candle === undefined) return undefined;
    return {
      seq: this.seq,
      symbol: candle.symbol,
      interval: this.interval,
      closeAt: candle.t + this.stepMs,
      candle,
    };
  }

  /** `next` without the bar around the candle: its seq is `released`, its close t + interval. */
  nextCandle(): NamedCandle | undefined {
    const candle = this.earliest()?.take();
    if (candle !== undefined) this.seq++;
    return candle;
  }

  private earliest(): SymbolBars | undefined {
    if (this.sources.length === 1) return this.sources[0];
    let best: SymbolBars | undefined;
    let bestT = Infinity;
    for (const source of this.sources) {
      const t = source.peek()?.t;
      if (t !== undefined && t < bestT) {
        best = source;
        bestT = t;
      }
    }
    return best;
  }
}

/**
 * How many bars a replay over these symbols and range releases, from the trading hours alone (a
 * bucket has a candle exactly when the market was open in some minute of it), so a session can
 * say how long it is without generating years of candles.
 */
export function countBars(
  symbols: readonly string[],
  interval: Interval,
  from: number,
  to: number,
): number {
  const step = intervalMs[interval];
  const first = Math.max(Math.ceil(from / step) * step, Math.ceil(marketDataStartMs / step) * step);
  // Buckets that open at or before this close at or before `to`; there are none past the data.
  const lastOpen = Math.floor((Math.min(to, marketDataEndMs) - step) / step) * step;
  let count = 0;
  for (const symbol of symbols) {
    const instrument = instrumentBySymbol(symbol);
    if (instrument === undefined) continue;
    let t = first;
    while (t <= lastOpen) {
      const opens = nextOpen(instrument, t);
      if (opens === null || opens >= lastOpen + step) break;
      const closes = sessionClose(instrument, opens) ?? lastOpen + step;
      const firstBucket = Math.floor(opens / step) * step;
      const lastBucket = Math.min(Math.floor((closes - 1) / step) * step, lastOpen);
      count += (lastBucket - firstBucket) / step + 1;
      t = lastBucket + step;
    }
  }
  return count;
}
