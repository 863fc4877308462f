// The stream of the running sandbox (`/stream`): market data from the shared publisher, order
// and account events from the state's tap, resumes from memory or the store.
import type { FaultConfig } from '../../api/faults';
import type { Interval } from '../../api/common';
import type { TokenAuthority } from '../service/tokens';
import { checkAccessToken } from '../service/tokens';
import { instrumentBySymbol } from '../market/instruments';
import type { Sandbox } from '../service/sandbox';
import type { AccountChannel, FeedEntry } from './account-entries';
import { AccountFeed } from './account-feed';
import type {
  Ack,
  StreamBackend,
  StreamConnection,
  StreamPrincipal,
  StreamSink,
  Subscription,
} from './backend';
import { readChannelHistory } from './history';
import type { MarketSubscriber } from './market-publisher';
import { MarketPublisher } from './market-publisher';

export interface LiveStreamOptions {
  sandbox: Sandbox;
  tokens: TokenAuthority;
  /** The store's folder, read (never written) to resume from events no longer in memory. */
  storeDir: string;
  /** Faults for a principal (the fault registry): `stream_drop_after_ms` drops its connections. */
  faultsFor?: (principal: StreamPrincipal) => FaultConfig | undefined;
  /** How often the market publisher looks for new ticks. */
  publishPeriodMs?: number;
  /** Order and account messages kept in memory per account for resumes. */
  ringSize?: number;
}

export class LiveStreamBackend implements StreamBackend {
  readonly market: MarketPublisher;
  readonly accounts: AccountFeed;
  readonly faultsFor?: (principal: StreamPrincipal) => FaultConfig | undefined;
  private historyQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: LiveStreamOptions) {
    const { sandbox, storeDir } = options;
    this.market = new MarketPublisher(() => sandbox.clock.now(), options.publishPeriodMs);
    this.accounts = new AccountFeed({
      market: sandbox.market,
      ...(options.ringSize !== undefined && { ringSize: options.ringSize }),
      // One rebuild at a time: each holds a whole copy of the state while it runs, and a
      // restart can bring many clients back at once.
      history: (accountId, channel, sinceSeq) => {
        const read = this.historyQueue.then(() =>
          readChannelHistory(storeDir, sandbox.market, accountId, channel, sinceSeq),
        );
        this.historyQueue = read.catch(() => undefined);
        return read;
      },
    });
    if (options.faultsFor) this.faultsFor = options.faultsFor;
    sandbox.state.onApplied = this.accounts.onApplied;
  }

  now(): number {
    return this.options.sandbox.clock.now();
  }

  authenticate(token: string): StreamPrincipal | { refused: string } {
    const { keys } = this.options.sandbox.state;
    const { tokens } = this.options;
    return checkAccessToken(tokens, token, tokens.now(), keys);
  }

  tokenNow(): number {
    return this.options.tokens.now();
  }

  connect(principal: StreamPrincipal, sink: StreamSink): StreamConnection {
    return new LiveConnection(this, principal, sink);
  }

  /** Stops publishing and detaches from the state. */
  close(): void {
    this.market.stop();
    const { state } = this.options.sandbox;
    if (state.onApplied === this.accounts.onApplied) state.onApplied = undefined;
  }

  get state() {
    return this.options.sandbox.state;
  }
}

/** Live events held back while a resume reads the store, before the resume gives up. */
const maxPendingWhileResuming = 10_000;

interface AccountSubscription {
  symbols: Set<string> | null;
  /** Seq of the last message sent; live ones at or below it are duplicates of the backlog. */
  lastSent: number;
  /** Live entries that arrived while the backlog was being read. */
  pending: FeedEntry[] | null;
  stopListening: () => void;
}

/** One client's subscriptions to the live sandbox. */
class LiveConnection implements StreamConnection {
  private readonly market: MarketSubscriber;
  private readonly tickSymbols = new Set<string>();
  private readonly candleKeys = new Map<string, { symbol: string; interval: Interval }>();
  private readonly accountSubs = new Map<AccountChannel, AccountSubscription>();
  private closed = false;

  constructor(
    private readonly backend: LiveStreamBackend,
    private readonly principal: StreamPrincipal,
    private readonly sink: StreamSink,
  ) {
    this.market = { send: (text) => sink.send(text) };
  }

  subscribe(request: Subscription): void {
    switch (request.channel) {
      case 'ticks':
      case 'candles':
        this.subscribeMarket(request);
        return;
      case 'orders':
      case 'account':
        this.subscribeAccount(request.channel, request);
        return;
      default:
        request.channel satisfies never;
    }
  }

  unsubscribe(request: Subscription): void {
    const { channel } = request;
    if (channel === 'orders' || channel === 'account') {
      this.accountSubs.get(channel)?.stopListening();
      this.accountSubs.delete(channel);
      this.sink.system('unsubscribed', { channel });
      return;
    }
    const symbols = request.symbols ?? [];
    if (channel === 'ticks') {
      const dropped = symbols.length === 0 ? [...this.tickSymbols] : symbols;
      for (const symbol of dropped) {
        if (this.tickSymbols.delete(symbol))
          this.backend.market.unsubscribeTicks(symbol, this.market);
      }
      this.sink.system('unsubscribed', { channel, symbols: dropped });
      return;
    }
    const interval = request.interval ?? '1m';
    const dropped =
      symbols.length === 0
        ? [...this.candleKeys.values()]
            .filter((key) => key.interval === interval)
            .map((key) => key.symbol)
        : symbols;
    for (const symbol of dropped) {
      if (this.candleKeys.delete(`${symbol}:${interval}`)) {
        this.backend.market.unsubscribeCandles(symbol, interval, this.market);
      }
    }
    this.sink.system('unsubscribed', { channel, symbols: dropped, interval });
  }

  ack(_request: Ack): void {
    this.sink.error(
      'invalid_request',
      'acks are for replay sessions in lockstep (ws://.../sessions/{id}/stream); the live stream needs none',
    );
  }

  close(): void {
    this.closed = true;
    for (const symbol of this.tickSymbols)
      this.backend.market.unsubscribeTicks(symbol, this.market);
    for (const { symbol, interval } of this.candleKeys.values()) {
      this.backend.market.unsubscribeCandles(symbol, interval, this.market);
    }
    this.tickSymbols.clear();
    this.candleKeys.clear();
    for (const subscription of this.accountSubs.values()) subscription.stopListening();
    this.accountSubs.clear();
  }

  private subscribeMarket(request: Subscription): void {
    if (request.since_seq !== undefined) {
      this.sink.error(
        'invalid_request',
        'since_seq applies to the orders and account channels only',
      );
      return;
    }
    const symbols = request.symbols ?? [];
    if (symbols.length === 0) {
      this.sink.error(
        'invalid_request',
        `the ${request.channel} channel needs "symbols", e.g. {"op":"subscribe","channel":"${request.channel}","symbols":["EURUSD"]}`,
      );
      return;
    }
    const unknown = symbols.filter((symbol) => instrumentBySymbol(symbol) === undefined);
    if (unknown.length > 0) {
      this.sink.error(
        'invalid_request',
        `unknown symbol${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 10).join(', ')}; GET /market lists the instruments`,
      );
      return;
    }
    const instruments = symbols.map((symbol) => instrumentBySymbol(symbol)!);
    if (request.channel === 'ticks') {
      for (const instrument of instruments) {
        if (this.tickSymbols.has(instrument.symbol)) continue;
        this.tickSymbols.add(instrument.symbol);
        this.backend.market.subscribeTicks(instrument, this.market);
      }
      this.sink.system('subscribed', { channel: 'ticks', symbols });
      return;
    }
    if (request.channel !== 'candles') return;
    const interval = request.interval ?? '1m';
    for (const instrument of instruments) {
      const key = `${instrument.symbol}:${interval}`;
      if (this.candleKeys.has(key)) continue;
      this.candleKeys.set(key, { symbol: instrument.symbol, interval });
      this.backend.market.subscribeCandles(instrument, interval, this.market);
    }
    this.sink.system('subscribed', { channel: 'candles', symbols, interval });
  }

  private subscribeAccount(channel: AccountChannel, request: Subscription): void {
    if (request.interval !== undefined) {
      this.sink.error(
        'invalid_request',
        `interval applies to the candles channel only, not ${channel}`,
      );
      return;
    }
    if (channel === 'account' && request.symbols !== undefined) {
      this.sink.error(
        'invalid_request',
        'the account channel takes no symbols: it covers the whole account',
      );
      return;
    }
    const previous = this.accountSubs.get(channel);
    if (previous?.pending !== null && previous !== undefined && request.since_seq !== undefined) {
      // Each resume rebuilds history from the store; one at a time per channel is plenty.
      this.sink.error(
        'rate_limited',
        `the ${channel} channel is still resuming from the store; subscribe again with since_seq once its backlog has come`,
      );
      return;
    }
    previous?.stopListening();
    const { accountId } = this.principal;
    const current = this.backend.accounts.current(this.backend.state, accountId)[channel];
    const subscription: AccountSubscription = {
      symbols: request.symbols === undefined ? null : new Set(request.symbols),
      lastSent: current,
      pending: request.since_seq === undefined ? null : [],
      stopListening: () => undefined,
    };
    subscription.stopListening = this.backend.accounts.listen(accountId, (entry) => {
      if (entry.channel !== channel) return;
      if (subscription.pending === null) this.deliver(subscription, entry);
      else if (subscription.pending.length < maxPendingWhileResuming)
        subscription.pending.push(entry);
      else this.abandonResume(channel, subscription);
    });
    this.accountSubs.set(channel, subscription);
    this.sink.system('subscribed', {
      channel,
      ...(request.symbols !== undefined && { symbols: request.symbols }),
      seq: current,
    });
    if (request.since_seq === undefined) return;
    const since = request.since_seq;
    subscription.lastSent = since;
    void this.backend.accounts
      .backlog(accountId, channel, since, current)
      .catch((error: unknown) => ({
        ok: false as const,
        code: 'internal',
        message: `reading ${channel} events from the store failed (${error instanceof Error ? error.message : String(error)}); resubscribe to try again`,
      }))
      .then((backlog) => {
        if (this.closed || this.accountSubs.get(channel) !== subscription) return;
        if (backlog.ok) {
          for (const entry of backlog.entries) this.deliver(subscription, entry);
        } else {
          this.sink.error(backlog.code, backlog.message);
          subscription.lastSent = current;
        }
        // What arrived meanwhile follows, without the duplicates the backlog already sent.
        const pending = subscription.pending ?? [];
        subscription.pending = null;
        for (const entry of pending) this.deliver(subscription, entry);
      });
  }

  /** Live events piled up faster than the store was read: the client must resubscribe. */
  private abandonResume(channel: AccountChannel, subscription: AccountSubscription): void {
    subscription.stopListening();
    subscription.pending = null;
    if (this.accountSubs.get(channel) === subscription) this.accountSubs.delete(channel);
    this.sink.error(
      'unavailable',
      `more than ${maxPendingWhileResuming} new ${channel} events arrived while older ones were read from the store; the subscription was dropped, subscribe again with since_seq`,
    );
  }

  private deliver(subscription: AccountSubscription, entry: FeedEntry): void {
    if (entry.seq <= subscription.lastSent) return;
    subscription.lastSent = entry.seq;
    if (
      subscription.symbols !== null &&
      entry.symbol !== null &&
      !subscription.symbols.has(entry.symbol)
    ) {
      return;
    }
    this.sink.send(entry.text);
  }
}
