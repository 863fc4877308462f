import type { Account } from '../../../api/account';
import type { CancelResult, Order, OrderRequest } from '../../../api/orders';
import type { StrategyConfig } from '../../../api/strategy-config';
import { RiskLimitError } from './errors';
import type { Mode, OrderOptions, StrategyContext } from './strategy';

/** What the context needs from a runtime: the live API, a replay session, or the in-process engine. */
export interface Broker {
  readonly mode: Mode;
  now(): number;
  account(): Account;
  position(symbol: string): number;
  openOrders(symbol?: string): Order[];
  place(request: OrderRequest): Promise<Order>;
  cancel(orderId: string): Promise<Order>;
  cancelMany(request: { symbol: string } | { all: true }): Promise<CancelResult[]>;
  /** The instrument's tick size, known before the strategy starts. */
  tickSize(symbol: string): number;
}

/** The `ctx` handed to every handler: order helpers with the config's risk limits in front. */
export class Context implements StrategyContext {
  readonly params: StrategyConfig['params'];
  readonly symbols: readonly string[];
  readonly interval: StrategyConfig['interval'];
  readonly mode: Mode;
  /** Times of the orders placed in the last minute, oldest first (a runaway-loop guard). */
  private readonly recentOrders: number[] = [];
  private readonly decimals = new Map<number, number>();

  constructor(
    readonly config: StrategyConfig,
    private readonly broker: Broker,
    private readonly print: (line: string) => void,
    symbols: readonly string[] = config.symbols,
  ) {
    this.params = config.params;
    this.symbols = symbols;
    this.interval = config.interval;
    this.mode = broker.mode;
  }

  now(): number {
    return this.broker.now();
  }

  position(symbol: string): number {
    return this.broker.position(symbol);
  }

  account(): Account {
    return this.broker.account();
  }

  openOrders(symbol?: string): Order[] {
    return this.broker.openOrders(symbol);
  }

  buy(symbol: string, quantity: number, options: OrderOptions = {}): Promise<Order> {
    return this.placeOrder(orderRequest(symbol, 'buy', quantity, options));
  }

  sell(symbol: string, quantity: number, options: OrderOptions = {}): Promise<Order> {
    return this.placeOrder(orderRequest(symbol, 'sell', quantity, options));
  }

  placeOrder(request: OrderRequest): Promise<Order> {
    try {
      this.checkRisk(request);
    } catch (error) {
      return Promise.reject(toError(error));
    }
    return this.broker.place(request);
  }

  cancel(orderId: string): Promise<Order> {
    return this.broker.cancel(orderId);
  }

  cancelAll(symbol?: string): Promise<CancelResult[]> {
    return this.broker.cancelMany(symbol === undefined ? { all: true } : { symbol });
  }

  closePosition(symbol: string): Promise<Order | null> {
    const position = this.position(symbol);
    if (position === 0) return Promise.resolve(null);
    const request = orderRequest(symbol, position > 0 ? 'sell' : 'buy', Math.abs(position), {});
    // Flattening only reduces exposure: no position limit applies, the order-rate guard does.
    try {
      this.countOrder();
    } catch (error) {
      return Promise.reject(toError(error));
    }
    return this.broker.place(request);
  }

  roundToTick(symbol: string, price: number): number {
    const tick = this.broker.tickSize(symbol);
    let places = this.decimals.get(tick);
    if (places === undefined) {
      places = decimalsOf(tick);
      this.decimals.set(tick, places);
    }
    return Number((Math.floor(price / tick + 0.5) * tick).toFixed(places));
  }

  log(...values: unknown[]): void {
    const text = values
      .map((value) => (typeof value === 'string' ? value : JSON.stringify(value)))
      .join(' ');
    this.print(`${stamp(this.now())} ${text}`);
  }

  private checkRisk(request: OrderRequest): void {
    const limit = this.config.risk.max_position;
    if (limit !== undefined) {
      const signed = request.action === 'buy' ? request.quantity : -request.quantity;
      const after = this.position(request.symbol) + signed;
      if (Math.abs(after) > limit) {
        throw new RiskLimitError(
          `refused ${request.action} ${request.quantity} ${request.symbol}: the position would ` +
            `become ${after}, past risk.max_position ${limit} in the strategy config`,
        );
      }
    }
    this.countOrder();
  }

  private countOrder(): void {
    const now = this.now();
    const recent = this.recentOrders;
    while (recent.length > 0 && recent[0] <= now - 60_000) recent.shift();
    const cap = this.config.risk.max_orders_per_minute;
    if (recent.length >= cap) {
      throw new RiskLimitError(
        `refused a new order: the strategy already placed ${recent.length} orders in the last ` +
          `minute, the most risk.max_orders_per_minute (${cap}) in the strategy config allows; ` +
          'is it placing orders in a loop?',
      );
    }
    recent.push(now);
  }
}

export function orderRequest(
  symbol: string,
  action: 'buy' | 'sell',
  quantity: number,
  options: OrderOptions,
): OrderRequest {
  return {
    symbol,
    action,
    quantity,
    order_type: options.limitPrice === undefined ? 'market' : 'limit',
    time_in_force: options.timeInForce ?? 'gtc',
    ...(options.limitPrice !== undefined && { limit_price: options.limitPrice }),
    ...(options.stopLoss !== undefined && { stop_loss: options.stopLoss }),
    ...(options.takeProfit !== undefined && { take_profit: options.takeProfit }),
    ...(options.clientOrderId !== undefined && { client_order_id: options.clientOrderId }),
  };
}

/** Decimal places of a tick size: 0.00001 → 5, 0.25 → 2, 1 → 0. */
export function decimalsOf(tick: number): number {
  const text = tick.toString();
  const exponent = /e-(\d+)$/.exec(text);
  if (exponent) return Number(exponent[1]) + (text.split('e')[0].split('.')[1]?.length ?? 0);
  return text.split('.')[1]?.length ?? 0;
}

/** "2024-03-06 12:01:00Z": the instant a line is about, in UTC. */
export function stamp(t: number): string {
  const day = Math.floor(t / dayMs);
  if (day !== stampDay) {
    // A backtest prints thousands of lines a day: the date is formatted once per day.
    stampDay = day;
    stampDate = `${new Date(day * dayMs).toISOString().slice(0, 10)} `;
  }
  const second = Math.floor((t - day * dayMs) / 1000);
  const hours = Math.floor(second / 3600);
  const minutes = Math.floor(second / 60) % 60;
  return `${stampDate}${pad2(hours)}:${pad2(minutes)}:${pad2(second % 60)}Z`;
}

const dayMs = 86_400_000;
let stampDay = Number.NaN;
let stampDate = '';

function pad2(value: number): string {
  return value < 10 ? `0${value}` : `${value}`;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
