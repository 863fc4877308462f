import { writeFileSync } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Account } from '../../../api/account';
import type { CancelResult, Order, OrderRequest } from '../../../api/orders';
import { parseOrderRequest, toCancelResult } from '../../../api/orders';
import { detailsFromZod, errorStatus } from '../../../api/errors';
import type { StrategyConfig } from '../../../api/strategy-config';
import type { EngineFailure } from '../../../sandbox/engine/failures';
import { orderUpdateFor } from '../../../sandbox/engine/order-updates';
import { instrumentBySymbol } from '../../../sandbox/market/instruments';
import { Replay } from '../../../sandbox/replay/replay';
import type { BacktestProgressMessage } from '../../../api/run-events';
import type { BacktestRange } from '../../../api/script-environment';
import type { OrderEventType } from '../../../api/stream';
import { countBars } from '../../../sandbox/replay/bars';
import type { Broker } from './context';
import { Context, stamp } from './context';
import { Handlers, isPromise } from './dispatch';
import { ApiError } from './errors';
import type { OrderUpdate, Strategy } from './strategy';

export interface BacktestOptions {
  /** Where order/fill lines and `ctx.log` go (stdout by default). */
  print?: (line: string) => void;
  /**
   * Called about every `progressMs`, and once at the end: the bars done of how many, the clock,
   * and the orders that changed and the fills made since the last call.
   */
  progress?: (progress: BacktestProgressMessage) => void;
  progressMs?: number;
  /** Checked between bars now and then: true stops the run as a signal would. */
  stopRequested?: () => boolean;
}

export interface BacktestOutcome {
  bars: number;
  replay: Replay;
  stoppedEarly: boolean;
}

/** Bars between looks at the clock (for progress and stop requests): cheap enough per bar. */
const checkEvery = 0x3fff;

/**
 * The in-process fast path: runs the strategy on `Replay` (the engine replay sessions use, so
 * fills are identical), without network or token. Handlers that return no promise keep the
 * per-bar path synchronous; order and fill events reach the strategy before the next candle,
 * as the stream delivers them in a session.
 */
export async function runBacktest(
  strategy: Strategy,
  config: StrategyConfig,
  spec: BacktestRange,
  options: BacktestOptions = {},
): Promise<BacktestOutcome> {
  const print = options.print ?? ((line: string) => console.log(line));
  const replay = new Replay({
    symbols: spec.symbols,
    interval: spec.interval,
    from: spec.from,
    to: spec.to,
    balance: spec.balance,
  });
  const pending: OrderUpdate[] = [];
  const report = options.progress === undefined ? undefined : progressReporter(spec, replay);
  // Each order update is read right after its event is applied, as the stream of a replay
  // session reads it: an order accepted and filled at once shows as open, then as filled.
  replay.onApplied = (event, engine) => {
    const update = orderUpdateFor(engine, event);
    if (update === undefined) return;
    pending.push(update);
    report?.changed.push({ change: update.type, order: update.order });
  };
  const broker = new ReplayBroker(replay);
  const ctx = new Context(config, broker, print, spec.symbols);
  const handlers = new Handlers(strategy, ctx, print);
  const deliver = (): HandlerResult => deliverPending(pending, handlers);

  await handlers.start();
  await deliver();
  const onCandle = strategy.onCandle?.bind(strategy);
  let bars = 0;
  let stoppedEarly = false;
  let lastReport = performance.now();
  const progressMs = options.progressMs ?? 250;
  for (;;) {
    const candle = replay.nextCandle();
    if (candle === undefined) break;
    bars++;
    if (pending.length > 0) {
      const delivered = deliver();
      if (delivered !== undefined) await delivered;
    }
    if (onCandle !== undefined) {
      // The replay's candle object is the strategy's: made for this bar, read by nothing after.
      const { symbol, t } = candle;
      let result: HandlerResult = undefined;
      try {
        result = onCandle(candle, ctx);
      } catch (error) {
        handlers.failed('onCandle', candleWhere(symbol, t), error);
      }
      if (result !== undefined) {
        await handlers.settle('onCandle', () => candleWhere(symbol, t), result);
      }
      if (pending.length > 0) {
        const delivered = deliver();
        if (delivered !== undefined) await delivered;
      }
    }
    if ((bars & checkEvery) === 0) {
      const now = performance.now();
      if (now - lastReport >= progressMs) {
        lastReport = now;
        if (report) options.progress?.(report.take(bars));
        // Lets IPC messages and signals through.
        await yieldToLoop();
      }
      if (options.stopRequested?.()) {
        stoppedEarly = true;
        break;
      }
    }
  }
  await handlers.stop();
  await deliver();
  if (report) options.progress?.(report.take(bars));
  return { bars, replay, stoppedEarly };
}

/** Gathers what a progress message carries between two of them. */
function progressReporter(spec: BacktestRange, replay: Replay) {
  const barsTotal = countBars(spec.symbols, spec.interval, spec.from, spec.to);
  const changed: { change: OrderEventType; order: Order }[] = [];
  let lastFill = 0;
  return {
    changed,
    take(bars: number): BacktestProgressMessage {
      const { fills, last } = replay.fillsAfter(lastFill);
      lastFill = last;
      return {
        type: 'progress',
        bars_done: bars,
        bars_total: barsTotal,
        t: replay.now(),
        orders: changed.splice(0),
        fills,
      };
    },
  };
}

type HandlerResult = void | Promise<void>;

const candleWhere = (symbol: string, t: number) => `the ${symbol} bar of ${stamp(t)}`;

/** Hands the queued order updates to the strategy in order; async only if a handler is. */
function deliverPending(pending: OrderUpdate[], handlers: Handlers): HandlerResult {
  while (pending.length > 0) {
    const update = pending.shift()!;
    const result = handlers.orderUpdate(update);
    if (isPromise(result)) return result.then(() => deliverPending(pending, handlers));
  }
  return;
}

/** Writes the report where the runner asked for it. */
export function writeReport(replay: Replay, path: string): void {
  writeFileSync(path, JSON.stringify(replay.report()));
}

/** The engine in-process: every call answers at once (as a settled promise). */
class ReplayBroker implements Broker {
  readonly mode = 'backtest' as const;
  private readonly accountId: string;

  constructor(private readonly replay: Replay) {
    this.accountId = replay.accountId;
  }

  now(): number {
    return this.replay.now();
  }

  account(): Account {
    return this.replay.accountView();
  }

  position(symbol: string): number {
    return this.replay.position(symbol);
  }

  openOrders(symbol?: string): Order[] {
    // Most bars of most strategies have none: answer without building a list of views.
    const account = this.replay.engine.accounts.get(this.accountId);
    if (account === undefined || account.live_orders.size === 0) return [];
    const open = this.replay.openOrders();
    return symbol === undefined ? open : open.filter((order) => order.symbol === symbol);
  }

  place(request: OrderRequest): Promise<Order> {
    const parsed = parseOrderRequest(request);
    if (!parsed.success) {
      return Promise.reject(
        new ApiError(
          400,
          'invalid_request',
          'the order is not valid',
          detailsFromZod(parsed.error),
        ),
      );
    }
    const result = this.replay.placeOrder(parsed.data);
    if (!result.ok) return Promise.reject(engineError(result));
    return Promise.resolve(result.order);
  }

  cancel(orderId: string): Promise<Order> {
    const result = this.replay.cancelOrder(orderId);
    if (!result.ok) return Promise.reject(engineError(result));
    return Promise.resolve(result.order);
  }

  cancelMany(request: { symbol: string } | { all: true }): Promise<CancelResult[]> {
    const result = this.replay.cancelOrders(request);
    if (!result.ok) return Promise.reject(engineError(result));
    return Promise.resolve(result.results.map(toCancelResult));
  }

  tickSize(symbol: string): number {
    const instrument = instrumentBySymbol(symbol);
    if (instrument === undefined) {
      throw new ApiError(422, 'unprocessable', `Unknown symbol ${symbol}; GET /market lists them`);
    }
    return instrument.tick_size;
  }
}

function engineError(failure: EngineFailure): ApiError {
  return new ApiError(errorStatus[failure.code], failure.code, failure.message, failure.details);
}
