// What the checks know of the market: the instruments (with their quantity step, minimum and
// tick), a current quote per symbol for the side checks of market orders, and the market clock.
// Pure: the offline context computes from the deterministic universe of sandbox/market at an
// instant it is given, so the same instant always gives the same findings.
import type { Instrument } from '../../api/market';
import { quoteAt } from '../../sandbox/market/feed';
import { lastOpenInstantAtOrBefore } from '../../sandbox/market/hours';
import { instruments as universe } from '../../sandbox/market/instruments';

export interface MarketQuote {
  bid: number;
  ask: number;
  /** When the quote was seen, ms since the epoch. */
  t: number;
}

export interface CheckContext {
  /** Every instrument of the environment: completion and nearest-symbol suggestions. */
  readonly instruments: readonly Instrument[];
  /** Their symbols, in the same order (one array, so "did you mean" answers are remembered). */
  readonly symbols: readonly string[];
  instrument(symbol: string): Instrument | undefined;
  /** The latest quote, or undefined when none is known; side checks against it are then skipped. */
  quote(symbol: string): MarketQuote | undefined;
  /** The market clock, ms since the epoch: trading hours, and the backtest range of a config. */
  readonly now: number;
  /** Where the instruments come from, for messages ("the local sandbox", "the embedded universe"). */
  readonly source: string;
}

export interface MarketContextOptions {
  instruments: readonly Instrument[];
  /** Quotes by symbol; when a symbol has none, `quoteOf` is asked. */
  quotes?: ReadonlyMap<string, MarketQuote>;
  quoteOf?: (instrument: Instrument) => MarketQuote | undefined;
  now: number;
  source: string;
}

/** A context over a given instrument list (an environment's `GET /market`). */
export function marketContext(options: MarketContextOptions): CheckContext {
  const bySymbol = new Map(options.instruments.map((each) => [each.symbol, each]));
  const computed = new Map<string, MarketQuote | undefined>();
  return {
    instruments: options.instruments,
    symbols: options.instruments.map((each) => each.symbol),
    now: options.now,
    source: options.source,
    instrument: (symbol) => bySymbol.get(symbol),
    quote(symbol) {
      const given = options.quotes?.get(symbol);
      if (given !== undefined) return given;
      if (options.quoteOf === undefined) return undefined;
      // Computed once per context: the offline feed costs milliseconds per instrument and day.
      if (!computed.has(symbol)) {
        const instrument = bySymbol.get(symbol);
        computed.set(symbol, instrument === undefined ? undefined : options.quoteOf(instrument));
      }
      return computed.get(symbol);
    },
  };
}

/**
 * The embedded universe at the market instant `now`, with the quote of the last instant each
 * instrument traded at or before it (a Saturday gives Friday's close, as the sandbox would).
 */
export function offlineContext(now: number): CheckContext {
  return marketContext({
    instruments: universe,
    quoteOf: (instrument) => offlineQuote(instrument, now),
    now,
    source: 'the embedded sandbox universe',
  });
}

function offlineQuote(instrument: Instrument, now: number): MarketQuote | undefined {
  const traded = lastOpenInstantAtOrBefore(instrument, now);
  if (traded === null) return undefined;
  const quote = quoteAt(instrument, traded);
  return quote === null ? undefined : { bid: quote.bid, ask: quote.ask, t: quote.t };
}
