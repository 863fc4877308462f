import type { Account, AccountFill } from '../../api/account';
import type { Interval } from '../../api/common';
import { intervalMs } from '../../api/common';
import type { CancelRequest, Order, OrderRequest } from '../../api/orders';
import type { BacktestReport } from '../../api/sessions';
import { openAccount } from '../engine/accounts';
import { cancelOrder, cancelOrders } from '../engine/cancel';
import type { CancelOrderResult, CancelOrdersResult } from '../engine/cancel';
import type { EngineEvent } from '../engine/events';
import type { MarketView } from '../engine/market-view';
import type { PlaceOrderResult } from '../engine/place-order';
import { placeOrder } from '../engine/place-order';
import { applyEvent } from '../engine/apply';
import type { AccountRecord, EngineState } from '../engine/state';
import { createEngineState } from '../engine/state';
import { advanceTime, onTick } from '../engine/tick';
import { accountView, listFills, listOrders } from '../engine/views';
import type { NamedCandle } from '../market/feed';
import { tickLiquidity, ticksAfter } from '../market/feed';
import { instrumentBySymbol } from '../market/instruments';
import { createMarketView } from '../market/market-view';
import type { ReplayBar } from './bars';
import { BarSequence } from './bars';
import { EquityTracker } from './equity';

export interface ReplayOptions {
  symbols: readonly string[];
  interval: Interval;
  /** Bars whose open time is at or after this... */
  from: number;
  /** ...and whose close is at or before this. */
  to: number;
  /** Starting balance in USD. */
  balance: number;
  accountId?: string;
}

export interface ReplayStep {
  bar: ReplayBar;
  /** What the market did to the account's orders while the clock moved to this bar's close. */
  events: readonly EngineEvent[];
  /** Nothing the market alone could change: no open orders, no armed exits. */
  quiet: boolean;
}

const noEvents: readonly EngineEvent[] = Object.freeze([]);

/**
 * The core of a backtest, shared by replay sessions (behind HTTP and the stream) and the Node
 * SDK's in-process path, so that both fill the same orders at the same prices: an isolated
 * account on the live engine, and a clock that moves from one bar's close to the next only when
 * asked, feeding the engine every tick in between.
 */
export class Replay {
  readonly engine: EngineState = createEngineState();
  /**
   * Called right after each event is applied, while the engine shows that event and no later
   * one: the tap of a session's stream and of the in-process backtest.
   */
  onApplied: ((event: EngineEvent, engine: EngineState) => void) | undefined;
  readonly accountId: string;
  private readonly bars: BarSequence;
  private readonly stepMs: number;
  private readonly equity: EquityTracker;
  private readonly account: AccountRecord;
  private clock: number;
  /** The time of the last tick fed to the engine: ticks after it are new. */
  private ticksSeenUpTo: number;

  constructor(
    readonly options: ReplayOptions,
    readonly market: MarketView = createMarketView(),
  ) {
    this.accountId = options.accountId ?? 'acc_backtest';
    this.clock = options.from;
    this.ticksSeenUpTo = options.from;
    this.bars = new BarSequence(options.symbols, options.interval, options.from, options.to);
    this.stepMs = intervalMs[options.interval];
    const opened = openAccount(this.engine, { accountId: this.accountId, t: options.from });
    if (!opened.ok) throw new Error(opened.message);
    for (const event of opened.events) {
      this.apply(event.type === 'account_opened' ? { ...event, balance: options.balance } : event);
    }
    this.account = this.engine.accounts.get(this.accountId)!;
    this.equity = new EquityTracker(this.market, options.balance);
  }

  /** The clock: the close of the last bar released (the start of the range before any). */
  now(): number {
    return this.clock;
  }

  /** Bars taken so far (released to a client, or advanced to). */
  get barsTaken(): number {
    return this.bars.released;
  }

  /** The close time of the next bar, or undefined at the end of the range. */
  nextCloseAt(): number | undefined {
    return this.bars.nextCloseAt();
  }

  /**
   * Moves the clock to the next bar's close, feeding the engine every tick on the way (for the
   * symbols that have open orders or armed exits) and expiring day orders; undefined at the end.
   */
  next(): ReplayStep | undefined {
    const bar = this.bars.next();
    return bar === undefined ? undefined : this.advance(bar);
  }

  /**
   * `next` for a caller that wants only the candle (the in-process backtest): the same clock
   * move, without a bar or step object per bar; `lastEvents` has what the market did on the way.
   */
  nextCandle(): NamedCandle | undefined {
    const candle = this.bars.nextCandle();
    if (candle !== undefined) {
      this.lastEvents = this.moveTo(candle.symbol, candle.t + this.stepMs, candle.c);
    }
    return candle;
  }

  /** What the market did to the account's orders during the last `nextCandle`. */
  lastEvents: readonly EngineEvent[] = noEvents;

  /**
   * Takes the next bar without moving the clock: a session sends bars ahead of the clock to a
   * client that buffers them, and moves the clock with `advance` when the client is ready.
   */
  takeBar(): ReplayBar | undefined {
    return this.bars.next();
  }

  /** Moves the clock to the close of a bar from `takeBar` (bars in the order taken). */
  advance(bar: ReplayBar): ReplayStep {
    const events = this.moveTo(bar.symbol, bar.closeAt, bar.candle.c);
    return { bar, events, quiet: events === noEvents || this.quiet() };
  }

  /** Moves the clock to `t`, the close of a bar of `symbol` that closed at `close`. */
  private moveTo(symbol: string, t: number, close: number): readonly EngineEvent[] {
    if (t < this.clock) throw new Error('bars must be advanced to in the order taken');
    const events = this.advanceTo(t);
    this.equity.record(this.account, symbol, close, t);
    return events;
  }

  quiet(): boolean {
    return this.account.live_orders.size === 0 && this.account.armed_exits.size === 0;
  }

  private advanceTo(t: number): readonly EngineEvent[] {
    const from = this.ticksSeenUpTo;
    this.clock = t;
    this.ticksSeenUpTo = t;
    // Most bars of most backtests find the account quiet: then the market cannot touch it.
    if (this.quiet() && t < this.engine.next_day_expiry) return noEvents;
    const events: EngineEvent[] = [];
    for (const { symbol, tick } of this.ticksBetween(from, t)) {
      for (const event of onTick(this.engine, this.market, { symbol, tick })) {
        this.apply(event);
        events.push(event);
      }
    }
    for (const event of advanceTime(this.engine, t)) {
      this.apply(event);
      events.push(event);
    }
    return events;
  }

  /** The ticks in (from, to] of every symbol the account has orders or exits on, in time order. */
  private ticksBetween(from: number, to: number) {
    const symbols = new Set<string>();
    for (const order of this.account.live_orders) symbols.add(order.symbol);
    for (const entry of this.account.armed_exits) symbols.add(entry.symbol);
    const merged = [];
    for (const symbol of [...symbols].sort()) {
      const instrument = instrumentBySymbol(symbol);
      if (instrument === undefined) continue;
      for (const tick of ticksAfter(instrument, from, to)) {
        const book = tickLiquidity(instrument, tick);
        merged.push({
          symbol,
          tick: {
            t: tick.t,
            bid: tick.bid,
            ask: tick.ask,
            bidSize: book.bidSize,
            askSize: book.askSize,
          },
        });
      }
    }
    // A stable sort keeps symbols in name order within the same instant.
    if (symbols.size > 1) merged.sort((a, b) => a.tick.t - b.tick.t);
    return merged;
  }

  /** Places an order at the current clock, as `POST /orders` would. */
  placeOrder(request: OrderRequest): PlaceOrderResult {
    const result = placeOrder(this.engine, this.market, {
      accountId: this.accountId,
      t: this.clock,
      request,
    });
    if (result.ok) for (const event of result.events) this.apply(event);
    return result;
  }

  cancelOrder(orderId: string): CancelOrderResult {
    const result = cancelOrder(this.engine, {
      accountId: this.accountId,
      orderId,
      t: this.clock,
    });
    if (result.ok) for (const event of result.events) this.apply(event);
    return result;
  }

  cancelOrders(request: CancelRequest): CancelOrdersResult {
    const result = cancelOrders(this.engine, {
      accountId: this.accountId,
      t: this.clock,
      request,
    });
    if (result.ok) for (const event of result.events) this.apply(event);
    return result;
  }

  accountView(): Account {
    return accountView(this.engine, this.market, this.accountId, this.clock)!;
  }

  /** Every order of the account, oldest first. */
  orders(): Order[] {
    return drain((after) =>
      listOrders(this.engine, this.accountId, { status: 'all', limit: 5000, after }),
    );
  }

  openOrders(): Order[] {
    return drain((after) =>
      listOrders(this.engine, this.accountId, { status: 'open', limit: 5000, after }),
    );
  }

  fills(): AccountFill[] {
    return this.fillsAfter(0).fills;
  }

  /**
   * The account's fills numbered after `after` (0 for all), oldest first, and the number of the
   * last fill so far: a replay has one account, so its fills are every fill of its engine.
   */
  fillsAfter(after: number): { fills: AccountFill[]; last: number } {
    const fills = drain(
      (from) => listFills(this.engine, this.accountId, { limit: 5000, after: from }),
      after,
    );
    return { fills, last: this.engine.fills.count };
  }

  /** Position in units (negative when short); 0 when flat. */
  position(symbol: string): number {
    return this.account.positions.get(symbol)?.quantity ?? 0;
  }

  report(): BacktestReport {
    const summary = this.equity.summary();
    return {
      from: this.options.from,
      to: this.options.to,
      symbols: [...this.options.symbols],
      interval: this.options.interval,
      starting_balance: this.options.balance,
      ...summary,
      orders: this.orders(),
      fills: this.fills(),
    };
  }

  /** Applies an event: one of its own, or one decided over its engine by a session's commands. */
  apply(event: EngineEvent): void {
    applyEvent(this.engine, event);
    this.onApplied?.(event, this.engine);
  }
}

function drain<T>(page: (after: number) => { items: T[]; next: number | null }, from = 0): T[] {
  const all: T[] = [];
  let after = from;
  for (;;) {
    const { items, next } = page(after);
    all.push(...items);
    if (next === null) return all;
    after = next;
  }
}
