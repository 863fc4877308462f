import type { BookTick, MarketView } from '../engine/market-view';
import { quoteAt, tickLiquidity, usdPerUnit } from './feed';
import { isOpen, nextOpen, sessionClose } from './hours';
import { instrumentBySymbol } from './instruments';

/** The engine's view of the sandbox's deterministic market. */
export function createMarketView(): MarketView {
  return {
    instrument: instrumentBySymbol,
    quote(symbol: string, t: number): BookTick | null {
      const instrument = instrumentBySymbol(symbol);
      const quote = instrument && quoteAt(instrument, t);
      if (!instrument || !quote) return null;
      const book = tickLiquidity(instrument, quote);
      return {
        t: quote.t,
        bid: quote.bid,
        ask: quote.ask,
        bidSize: book.bidSize,
        askSize: book.askSize,
      };
    },
    isOpen(symbol: string, t: number): boolean {
      const instrument = instrumentBySymbol(symbol);
      return instrument !== undefined && isOpen(instrument, t);
    },
    sessionClose(symbol: string, t: number): number {
      const instrument = instrumentBySymbol(symbol);
      if (!instrument) return Number.POSITIVE_INFINITY;
      const close = sessionClose(instrument, t);
      if (close !== null) return close;
      // Closed now: a day order placed now trades in the next session and expires at its end.
      const opens = nextOpen(instrument, t);
      return (opens !== null && sessionClose(instrument, opens)) || Number.POSITIVE_INFINITY;
    },
    usdPer(currency: string, t: number): number {
      const rate = usdPerUnit(currency, t);
      if (rate === null)
        throw new Error(`no USD conversion for ${currency} at ${new Date(t).toISOString()}`);
      return rate;
    },
  };
}
