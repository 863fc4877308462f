import type { Instrument } from '../../api/market';

/** One tick of top-of-book: prices and the quantity available at each. */
export interface BookTick {
  t: number;
  bid: number;
  ask: number;
  bidSize: number;
  askSize: number;
}

/**
 * The market data the engine reads, supplied by the caller (sandbox/market behind HTTP, a data
 * file in a backtest). Every answer must depend only on its arguments, so that the same commands
 * always produce the same events.
 */
export interface MarketView {
  instrument(symbol: string): Instrument | undefined;
  /** Last tick at or before t, with the quantity available at bid and ask; null if none. */
  quote(symbol: string, t: number): BookTick | null;
  isOpen(symbol: string, t: number): boolean;
  /**
   * End of the trading session containing t, for `day` orders. When the market is closed at t,
   * the end of the next session (the one a resting order placed at t would trade in).
   */
  sessionClose(symbol: string, t: number): number;
  /** Units of account currency (USD) per unit of `currency` at time t. */
  usdPer(currency: string, t: number): number;
}
