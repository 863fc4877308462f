// Which market the checks see: the embedded universe at the wall clock (offline), or the
// environment's instruments and quotes as the client last sent them. A context is kept for a
// minute, so the offline quotes of a symbol are computed once a minute, not once per keystroke.
import type { MarketParams } from '../protocol';
import type { CheckContext, MarketQuote } from './market-context';
import { marketContext, offlineContext } from './market-context';

const contextLifetimeMs = 60_000;

export class MarketSource {
  private environment: Extract<MarketParams, { type: 'environment' }> | undefined;
  private receivedAt = 0;
  private cached: { context: CheckContext; madeAt: number } | undefined;

  constructor(private readonly clock: () => number = Date.now) {}

  use(params: MarketParams): void {
    this.environment = params.type === 'environment' ? params : undefined;
    this.receivedAt = this.clock();
    this.cached = undefined;
  }

  context(): CheckContext {
    const wall = this.clock();
    if (this.cached !== undefined && wall - this.cached.madeAt < contextLifetimeMs) {
      return this.cached.context;
    }
    const context =
      this.environment === undefined ? offlineContext(wall) : this.fromEnvironment(wall);
    this.cached = { context, madeAt: wall };
    return context;
  }

  private fromEnvironment(wall: number): CheckContext {
    const environment = this.environment!;
    const quotes = new Map<string, MarketQuote>(
      environment.quotes.map((quote) => [
        quote.symbol,
        { bid: quote.bid, ask: quote.ask, t: quote.t },
      ]),
    );
    return marketContext({
      instruments: environment.instruments,
      quotes,
      // The environment's clock, run on since the list arrived.
      now: environment.now + (wall - this.receivedAt),
      source: environment.source,
    });
  }
}
