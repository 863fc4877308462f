import type { Account } from '../../../api/account';
import type { Interval } from '../../../api/common';
import { intervalMs } from '../../../api/common';
import type { CancelResult, Order, OrderRequest } from '../../../api/orders';
import type { ServerMessage } from '../../../api/stream';
import type { StrategyConfig } from '../../../api/strategy-config';
import { BarQueue } from './bar-queue';
import { LiveBook } from './book';
import type { TimberClient } from './client';
import type { Connection } from './config';
import type { Broker } from './context';
import { Context, stamp } from './context';
import { Handlers, isPromise } from './dispatch';
import { describeOrder } from './describe';
import { IntentIds, strategyIdOf } from './intents';
import { LockstepGate } from './lockstep';
import { liveClient } from './live-client';
import { OrderPlacer } from './placement';
import type { Strategy, StrategyCandle } from './strategy';
import { StreamClient } from './stream';

export interface LiveOptions {
  print: (line: string) => void;
  /** Resolves when the run must stop (SIGINT/SIGTERM). */
  stop: Promise<unknown>;
  /** Problems of the connection (reconnects), which do not stop the strategy. */
  warn?: (line: string) => void;
}

type Message = Exclude<ServerMessage, { type: 'error' }>;

/**
 * Runs a strategy against the API: live, or in a replay session when the base URL is a
 * session's (recognised by the `session` messages of its stream, then kept in lockstep).
 * Subscribes to the account's orders and account events first, then reads open orders and
 * positions over REST, so that no event falls between the two; then streams orders, account and
 * market data into the handlers one message at a time.
 */
export async function runLive(
  strategy: Strategy,
  config: StrategyConfig,
  connection: Connection,
  options: LiveOptions,
): Promise<void> {
  const warn = options.warn ?? ((line: string) => console.error(line));
  await new LiveRun(strategy, config, connection, options.print, warn).run(options.stop);
}

class LiveRun implements Broker {
  readonly mode = 'live' as const;
  private book!: LiveBook;
  private ctx!: Context;
  private handlers!: Handlers;
  private readonly tickSizes = new Map<string, number>();
  private clock = 0;
  private clockAt = 0;
  private session = false;
  private lockstep = true;
  private readonly gate = new LockstepGate();
  private readonly bars = new BarQueue();
  private barInterval: Interval;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly queue: Message[] = [];
  private pumping = false;
  private finished!: () => void;
  private failed!: (error: unknown) => void;
  private readonly done = new Promise<void>((resolve, reject) => {
    this.finished = resolve;
    this.failed = reject;
  });
  private stream: StreamClient | null = null;
  /** onStart returned: from then on, stream messages go to the handlers. */
  private started = false;
  private readonly placer: OrderPlacer;
  private readonly client: TimberClient;

  constructor(
    private readonly strategy: Strategy,
    private readonly config: StrategyConfig,
    private readonly connection: Connection,
    private readonly print: (line: string) => void,
    private readonly warn: (line: string) => void,
  ) {
    this.barInterval = config.interval;
    const client = liveClient(config, connection, print, () => this.now());
    this.client = client;
    const ids = new IntentIds(strategyIdOf(config.name), intervalMs[config.interval]);
    this.placer = new OrderPlacer(client, this, ids, () => this.now(), print);
  }

  /** Before any handler: instruments, the account and the open orders, from REST. */
  private async reconcile(): Promise<void> {
    for (const symbol of this.config.symbols) {
      const instrument = await this.client.instrument(symbol);
      this.tickSizes.set(symbol, instrument.tick_size);
      if (instrument.quote !== null) this.advanceClock(instrument.quote.t);
    }
    const [account, open] = await Promise.all([this.client.account(), this.client.openOrders()]);
    this.book = new LiveBook(account, open);
    this.ctx = new Context(this.config, this, this.print);
    this.handlers = new Handlers(this.strategy, this.ctx, this.print);
    if (open.length > 0) {
      this.print(`${stamp(this.now())} ${open.length} open order(s) left by a previous run:`);
      for (const order of open) this.print(`  ${describeOrder(order)}`);
    }
    for (const position of account.positions) {
      this.print(
        `${stamp(this.now())} position ${position.symbol} ${position.quantity} at ${position.avg_price}`,
      );
    }
  }

  async run(stop: Promise<unknown>): Promise<void> {
    const stream = new StreamClient({
      url: this.connection.streamUrl,
      token: (renew) => this.client.accessToken(renew),
      onMessage: (message) => this.receive(message),
      onOpen: (reconnected) => {
        // The server may have missed the last ack with the old connection.
        if (reconnected && this.started && this.session && this.lockstep) {
          stream.send(this.gate.ack());
        }
      },
      onProblem: (problem) => this.warn(`stream: ${problem}`),
    });
    this.stream = stream;
    void stop.then(() => this.finished());
    try {
      await stream.start();
      // Subscribed before the REST reads: an event between the snapshot and the stream is queued.
      stream.subscribeAccount('orders');
      stream.subscribeAccount('account');
      const unconfirmed = setTimeout(
        () =>
          this.warn(
            'stream: the orders and account subscriptions are not confirmed after 10 s; the ' +
              'strategy starts once they are, so that no event is missed',
          ),
        10_000,
      );
      await stream.positioned().finally(() => clearTimeout(unconfirmed));
      await this.reconcile();
      await this.handlers.start();
      this.started = true;
      const symbols = [...this.config.symbols];
      stream.subscribeMarket('candles', symbols, this.config.interval);
      if (this.strategy.onTick !== undefined) stream.subscribeMarket('ticks', symbols);
      // Announces the window and asks for batched bars: the server may now send bars ahead.
      if (this.session && this.lockstep) stream.send(this.gate.ack());
      // What happened while starting, in stream order; the book drops what REST showed already.
      if (!this.pumping) void this.pump();
      await this.done;
    } finally {
      stream.close();
    }
    await Promise.allSettled(this.inflight);
    await this.handlers.stop();
  }

  private receive(message: ServerMessage): void {
    if (!('channel' in message)) {
      this.warn(`stream error ${message.error.code}: ${message.error.message}`);
      return;
    }
    if (message.channel === 'session' && !this.session) {
      this.session = true;
      this.lockstep = message.data.lockstep;
      // Announces the window once candles are subscribed (only that connection may ack).
      if (this.lockstep && this.started) this.stream?.send(this.gate.ack());
    } else if (!this.session && message.channel !== 'candles') {
      this.advanceClock(message.t);
    }
    this.queue.push(message);
    if (this.started && !this.pumping) void this.pump();
  }

  /**
   * Hands messages to the strategy one at a time, in the order they came, awaiting handlers that
   * return promises. In a session, after each message, the bars the lockstep rules allow go to
   * the strategy; and before waiting for more, the requests in flight are answered and what is
   * done is acknowledged, so that the server can move on.
   */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (;;) {
        const message = this.queue.shift();
        if (message !== undefined) {
          const result = this.handle(message);
          if (isPromise(result)) await result;
          if (this.session) await this.deliverBars();
          continue;
        }
        if (!this.session) break;
        if (this.inflight.size > 0) {
          // Orders placed from onOrder/onFill without awaiting them: answered first.
          await Promise.allSettled(this.inflight);
          await this.deliverBars();
          continue;
        }
        const ack = this.lockstep ? this.gate.ackDue(true) : undefined;
        if (ack !== undefined) this.stream?.send(ack);
        break;
      }
    } catch (error) {
      this.failed(error);
    } finally {
      this.pumping = false;
    }
  }

  private handle(message: Message): void | Promise<void> {
    switch (message.channel) {
      case 'orders': {
        this.book.applyOrder(message.data.order);
        const { order, fill } = message.data;
        if (this.session) this.gate.orderEvent(order);
        return this.handlers.orderUpdate(
          fill === undefined ? { type: message.type, order } : { type: message.type, order, fill },
        );
      }
      case 'account':
        this.book.applyAccount(message.data);
        return;
      case 'candles':
        if (message.type === 'bars') {
          this.barInterval = message.data.interval;
          for (const row of message.data.bars) this.bars.keep(row);
          return;
        }
        if (message.type !== 'close') return;
        if (!this.session) return this.deliverCandle(message.data);
        this.barInterval = message.data.interval;
        {
          const { symbol, t, o, h, l, c, v } = message.data;
          this.bars.keep([message.seq, symbol, t, o, h, l, c, v]);
        }
        return;
      case 'ticks': {
        const strategy = this.strategy;
        if (strategy.onTick === undefined) return;
        const tick = { ...message.data };
        return this.handlers.call(
          'onTick',
          () => `the ${tick.symbol} tick of ${stamp(tick.t)}`,
          () => strategy.onTick!(tick, this.ctx),
        );
      }
      case 'session':
        this.lockstep = message.data.lockstep;
        if (message.type === 'advanced') this.gate.onAdvanced(message.seq, message.data.quiet);
        if (message.type === 'finished') this.finished();
        else this.advanceClock(message.t);
        return;
      case 'system':
        return;
      default:
        return message satisfies never;
    }
  }

  /** Delivers the buffered bars that the lockstep rules allow, acknowledging every few. */
  private async deliverBars(): Promise<void> {
    const { gate, bars } = this;
    const step = intervalMs[this.barInterval];
    while (bars.peek() !== undefined) {
      // A bar goes only once every request made so far is answered (its events may follow).
      if (this.inflight.size > 0) await Promise.allSettled(this.inflight);
      const row = bars.peek()!;
      const seq = row[0];
      if (!gate.mayDeliver(seq)) break;
      bars.shift();
      gate.delivering(seq);
      // Requests at a bar the server's clock has not reached move it there first.
      this.client.lockstepAck = this.lockstep ? gate.requestAck() : undefined;
      const [, symbol, t, o, h, l, c, v] = row;
      this.advanceClock(t + step);
      const result = this.deliverCandle({ symbol, interval: this.barInterval, t, o, h, l, c, v });
      if (isPromise(result)) await result;
      if (this.inflight.size > 0) await Promise.allSettled(this.inflight);
      // The next bar's requests would acknowledge this one: none may still be on its way.
      gate.completed(seq);
      const ack = this.lockstep ? gate.ackDue(false) : undefined;
      if (ack !== undefined) this.stream?.send(ack);
    }
  }

  private deliverCandle(candle: StrategyCandle): void | Promise<void> {
    const strategy = this.strategy;
    if (strategy.onCandle === undefined) return;
    return this.handlers.call(
      'onCandle',
      () => `the ${candle.symbol} bar of ${stamp(candle.t)}`,
      () => strategy.onCandle!(candle, this.ctx),
    );
  }

  // Broker: what the context asks of the API.

  now(): number {
    // Live, the API's clock runs on between messages (a sandbox started at another instant too).
    return this.session ? this.clock : this.clock + (Date.now() - this.clockAt);
  }

  private advanceClock(t: number): void {
    if (t > this.clock) {
      this.clock = t;
      this.clockAt = Date.now();
    }
  }

  account(): Account {
    return this.book.account();
  }

  position(symbol: string): number {
    return this.book.position(symbol);
  }

  openOrders(symbol?: string): Order[] {
    return this.book.openOrders(symbol);
  }

  tickSize(symbol: string): number {
    const tick = this.tickSizes.get(symbol);
    if (tick === undefined) {
      throw new Error(`${symbol} is not among the strategy config's symbols; add it to "symbols"`);
    }
    return tick;
  }

  place(request: OrderRequest): Promise<Order> {
    return this.act(async () => {
      const order = await this.placer.place(request);
      this.book.applyOrder(order);
      if (this.session) this.gate.placed(order);
      return order;
    });
  }

  cancel(orderId: string): Promise<Order> {
    return this.act(async () => {
      if (this.session) this.gate.unsettled();
      const order = await this.client.cancelOrder(orderId);
      this.book.applyOrder(order);
      if (this.session) this.gate.expect(order.id, order.status, order.updated_at);
      return order;
    });
  }

  cancelMany(request: { symbol: string } | { all: true }): Promise<CancelResult[]> {
    return this.act(async () => {
      if (this.session) this.gate.unsettled();
      const results = (await this.client.cancelOrders(request)).results;
      if (this.session) {
        for (const result of results)
          if (result.status === 200) this.gate.expect(result.id, 'cancelled');
      }
      return results;
    });
  }

  /** An order or cancel: tracked, and in a session told to the lockstep gate (a failure too). */
  private act<T>(request: () => Promise<T>): Promise<T> {
    const session = this.session;
    if (session) this.gate.acting();
    return this.track(async () => {
      try {
        return await request();
      } catch (error) {
        if (session) this.gate.unsettled();
        throw error;
      } finally {
        if (session) this.gate.answered();
      }
    });
  }

  /** Requests in flight, so that a lockstep bar is acknowledged only once they are answered. */
  private track<T>(request: () => Promise<T>): Promise<T> {
    const promise = request();
    this.inflight.add(promise);
    void promise.then(
      () => this.inflight.delete(promise),
      () => this.inflight.delete(promise),
    );
    return promise;
  }
}
