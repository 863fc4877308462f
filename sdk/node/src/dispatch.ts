import { CircuitOpenError } from './errors';
import type { Context } from './context';
import { stamp } from './context';
import type { HandlerResult, OrderUpdate, Strategy, StrategyFill } from './strategy';

/** A handler threw: where it happened (which handler, which bar or instant) and what it threw. */
export class StrategyFailure extends Error {
  override readonly name = 'StrategyFailure';
  constructor(
    readonly where: string,
    readonly thrown: unknown,
  ) {
    super(
      `${where}: ${thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown)}`,
    );
  }
}

export function isPromise(value: unknown): value is Promise<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** One readable stdout line for an order's change: "… order O-1 accepted: buy 10000 EURUSD market". */
export function describeUpdate(update: OrderUpdate): string {
  const { order, fill } = update;
  if (fill !== undefined) {
    const verb = order.action === 'buy' ? 'bought' : 'sold';
    const exit = order.trigger === null ? '' : ` (${order.trigger.replace('_', ' ')})`;
    return (
      `${stamp(fill.t)} ${update.type === 'partial_fill' ? 'partial fill' : 'fill'} ${order.id}${exit}: ` +
      `${verb} ${fill.quantity} ${order.symbol} at ` +
      `${fill.price} (fee ${fill.fee.toFixed(2)} USD)`
    );
  }
  const price = order.limit_price === null ? order.order_type : `limit ${order.limit_price}`;
  const protection = [
    order.stop_loss === null ? '' : ` stop loss ${order.stop_loss}`,
    order.take_profit === null ? '' : ` take profit ${order.take_profit}`,
  ].join('');
  const reason = order.reject_reason ? ` (${order.reject_reason})` : '';
  return (
    `${stamp(order.updated_at)} order ${order.id} ${update.type}: ${order.action} ${order.quantity} ` +
    `${order.symbol} ${price}${protection}${reason}`
  );
}

export function fillOf(update: OrderUpdate): StrategyFill | undefined {
  const { order, fill } = update;
  if (fill === undefined) return undefined;
  return {
    orderId: order.id,
    symbol: order.symbol,
    action: order.action,
    price: fill.price,
    quantity: fill.quantity,
    fee: fill.fee,
    t: fill.t,
    order,
  };
}

/**
 * Calls a strategy's handlers, staying synchronous while they are: a promise is returned only
 * when a handler returned one. Failures become `StrategyFailure`s naming the handler and time;
 * an order refused by the open circuit breaker is not one: the strategy goes on.
 */
export class Handlers {
  constructor(
    private readonly strategy: Strategy,
    private readonly ctx: Context,
    private readonly print: (line: string) => void,
  ) {}

  /** Runs one handler; `where` is built only when it fails. */
  call(name: string, where: () => string, run: () => HandlerResult): HandlerResult {
    let result: HandlerResult;
    try {
      result = run();
    } catch (error) {
      this.fail(name, where, error);
      return;
    }
    if (isPromise(result)) return result.catch((error: unknown) => this.fail(name, where, error));
    return;
  }

  /** A handler called directly (the per-bar fast path) threw: report it as `call` would. */
  failed(name: string, where: string, error: unknown): void {
    this.fail(name, () => where, error);
  }

  /** Awaits what a directly called handler returned, reporting a rejection as `call` would. */
  async settle(name: string, where: () => string, result: Promise<void>): Promise<void> {
    try {
      await result;
    } catch (error) {
      this.fail(name, where, error);
    }
  }

  start(): HandlerResult {
    const { strategy, ctx } = this;
    if (strategy.onStart === undefined) return;
    return this.call(
      'onStart',
      () => stamp(ctx.now()),
      () => strategy.onStart!(ctx),
    );
  }

  stop(): HandlerResult {
    const { strategy, ctx } = this;
    if (strategy.onStop === undefined) return;
    return this.call(
      'onStop',
      () => stamp(ctx.now()),
      () => strategy.onStop!(ctx),
    );
  }

  /** Prints the line, then `onOrder`, then `onFill` for a fill. */
  orderUpdate(update: OrderUpdate): HandlerResult {
    this.print(describeUpdate(update));
    const { strategy, ctx } = this;
    // Most strategies take neither: a backtest then spends nothing more per order event.
    if (strategy.onOrder === undefined && strategy.onFill === undefined) return;
    const where = () => `${update.type} of order ${update.order.id} at ${stamp(ctx.now())}`;
    const fill = strategy.onFill === undefined ? undefined : fillOf(update);
    const onFill =
      fill === undefined
        ? undefined
        : () => this.call('onFill', where, () => strategy.onFill!(fill, ctx));
    if (strategy.onOrder !== undefined) {
      const result = this.call('onOrder', where, () => strategy.onOrder!(update, ctx));
      if (isPromise(result)) return onFill === undefined ? result : result.then(onFill);
    }
    return onFill?.();
  }

  private fail(name: string, where: () => string, error: unknown): void {
    // An order the open breaker refused: the runtime printed a line when it skipped it, and the
    // strategy goes on (one that wants otherwise catches CircuitOpenError itself).
    if (error instanceof CircuitOpenError) return;
    throw new StrategyFailure(`${name} failed at ${where()}`, error);
  }
}
