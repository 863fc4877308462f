import type { Account } from '../../../api/account';
import type { Interval } from '../../../api/common';
import type { Fill, Order, OrderRequest, TimeInForce, CancelResult } from '../../../api/orders';
import type { OrderEventType } from '../../../api/stream';
import type { StrategyConfig } from '../../../api/strategy-config';

/** A closed bar, as `onCandle` gets it; prices are bid prices, `t` the open time. */
export interface StrategyCandle {
  symbol: string;
  interval: Interval;
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

export interface StrategyTick {
  symbol: string;
  t: number;
  bid: number;
  ask: number;
}

/** A change of one order, as the `orders` stream reports it. */
export interface OrderUpdate {
  type: OrderEventType;
  order: Order;
  fill?: Fill;
}

/** One fill of one of the account's orders (exits the API placed included). */
export interface StrategyFill {
  orderId: string;
  symbol: string;
  action: 'buy' | 'sell';
  price: number;
  quantity: number;
  fee: number;
  t: number;
  order: Order;
}

export interface OrderOptions {
  stopLoss?: number;
  takeProfit?: number;
  /** Makes it a limit order at this price. */
  limitPrice?: number;
  timeInForce?: TimeInForce;
  clientOrderId?: string;
}

export type Mode = 'live' | 'backtest';

/** What every handler gets: the strategy's config, its account, and order helpers. */
export interface StrategyContext {
  readonly config: StrategyConfig;
  readonly params: StrategyConfig['params'];
  readonly symbols: readonly string[];
  readonly interval: Interval;
  readonly mode: Mode;
  /** The clock: the API's time live, the bar's close in a backtest. */
  now(): number;
  /** Signed position in units (negative when short). */
  position(symbol: string): number;
  account(): Account;
  openOrders(symbol?: string): Order[];
  buy(symbol: string, quantity: number, options?: OrderOptions): Promise<Order>;
  sell(symbol: string, quantity: number, options?: OrderOptions): Promise<Order>;
  placeOrder(request: OrderRequest): Promise<Order>;
  cancel(orderId: string): Promise<Order>;
  cancelAll(symbol?: string): Promise<CancelResult[]>;
  /** A market order that flattens the position; null when already flat. */
  closePosition(symbol: string): Promise<Order | null>;
  roundToTick(symbol: string, price: number): number;
  log(...values: unknown[]): void;
}

/** What a handler may return: nothing, or a promise the runtime awaits before going on. */
export type HandlerResult = void | Promise<void>;

/**
 * Extend this and override the handlers you need; all are optional and may be async. A handler
 * that returns without a promise keeps the backtest on its fast synchronous path.
 */
export class Strategy {
  onStart?(ctx: StrategyContext): HandlerResult;
  onCandle?(candle: StrategyCandle, ctx: StrategyContext): HandlerResult;
  onTick?(tick: StrategyTick, ctx: StrategyContext): HandlerResult;
  onFill?(fill: StrategyFill, ctx: StrategyContext): HandlerResult;
  onOrder?(update: OrderUpdate, ctx: StrategyContext): HandlerResult;
  onStop?(ctx: StrategyContext): HandlerResult;
}
