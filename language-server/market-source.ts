// Which market the checks see: the embedded universe at the wall clock (offline), or the
// environment's instruments and quotes as the client last sent them. A context is kept for a
// minute, so the offline quotes of a symbol are computed once a minute, not once per keystroke.
// The market module is loaded on first need, not at start: building the 540-instrument universe
// takes a good part of the server's start-up, and the editor waits for `initialize` first.
import type { MarketParams } from './protocol';
import type * as marketModule from './service/market-context';
import type { CheckContext, MarketQuote } from './service/market-context';

type MarketModule = typeof marketModule;

const contextLifetimeMs = 60_000;

export class MarketSource {
  private environment: Extract<MarketParams, { type: 'environment' }> | undefined;
  private receivedAt = 0;
  private cached: { context: CheckContext; madeAt: number } | undefined;

  private module: MarketModule | undefined;
  private loading: Promise<void> | undefined;

  constructor(private readonly clock: () => number = Date.now) {}

  /** Loads the market once; every use of `context()` waits for it. */
  load(): Promise<void> {
    this.loading ??= import('./service/market-context').then((module) => {
      this.module = module;
    });
    return this.loading;
  }

  use(params: MarketParams): void {
    this.environment = params.type === 'environment' ? params : undefined;
    this.receivedAt = this.clock();
    this.cached = undefined;
  }

  context(): CheckContext {
    const module = this.module;
    if (module === undefined) throw new Error('the market is used before MarketSource.load()');
    const wall = this.clock();
    if (this.cached !== undefined && wall - this.cached.madeAt < contextLifetimeMs) {
      return this.cached.context;
    }
    const context =
      this.environment === undefined
        ? module.offlineContext(wall)
        : this.fromEnvironment(module, wall);
    this.cached = { context, madeAt: wall };
    return context;
  }

  private fromEnvironment(module: MarketModule, wall: number): CheckContext {
    const environment = this.environment!;
    const quotes = new Map<string, MarketQuote>(
      environment.quotes.map((quote) => [
        quote.symbol,
        { bid: quote.bid, ask: quote.ask, t: quote.t },
      ]),
    );
    return module.marketContext({
      instruments: environment.instruments,
      quotes,
      // The environment's clock, run on since the list arrived.
      now: environment.now + (wall - this.receivedAt),
      source: environment.source,
    });
  }
}
