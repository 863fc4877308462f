import type { SessionStatus } from '../../api/sessions';
import type { EngineEvent } from '../engine/events';
import { orderUpdateFor } from '../engine/order-updates';
import { accountView } from '../engine/views';
import type { ReplayBar } from '../replay/bars';
import type { EngineState } from '../engine/state';
import type { ReplaySession } from './session';

/** What the feed sends to a connection; implemented by the session's stream connections. */
export interface FeedClient {
  readonly wantsOrders: boolean;
  readonly wantsAccount: boolean;
  readonly wantsCandles: boolean;
  send(text: string): void;
  readonly bufferedBytes: number;
}

/** A real-time-multiple session stops releasing bars while its client has this much unsent. */
const maxBufferedBytes = 1 << 20;
const realTimeStepMs = 10;

/**
 * Releases a session's bars and its account's events, in an order a client can rely on: for
 * each bar, the order and account events up to its close, then `advanced`, then the candle
 * (unless it was sent ahead). In lockstep (`speed: "max"`) the clock moves past a bar only once
 * the driving client acknowledged it; candles go out ahead of the clock within the window the
 * client asked for.
 */
export class SessionFeed {
  status: SessionStatus = 'waiting';
  /** The connection whose candles subscription drives the clock. */
  driver: FeedClient | undefined;
  private readonly clients = new Set<FeedClient>();
  /** Rendered `orders` and `account` messages, in seq order (seq = index + 1), for resume. */
  readonly orderLog: string[] = [];
  readonly accountLog: string[] = [];
  /** Bars taken from the replay: sent ahead, or about to be advanced to. */
  private readonly ahead: ReplayBar[] = [];
  private advancedSeq = 0;
  /** The bar the clock stands at. */
  private current: ReplayBar | undefined;
  private acked = 0;
  private sentSeq = 0;
  private window = 1;
  /** Whether the driver asked for `bars` messages; `batch` holds the bars not sent yet. */
  private batching = false;
  private aheadScheduled = false;
  private readonly batch: ReplayBar[] = [];
  private exhausted = false;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;

  constructor(private readonly session: ReplaySession) {
    session.replay.onApplied = (event, engine) => this.onApplied(event, engine);
  }

  get barsReleased(): number {
    return this.advancedSeq;
  }

  attach(client: FeedClient): void {
    this.clients.add(client);
  }

  detach(client: FeedClient): void {
    this.clients.delete(client);
    this.stopDriving(client);
  }

  /** The client's candles subscription ended: the session waits for a driver to return. */
  stopDriving(client: FeedClient): void {
    if (this.driver === client) this.driver = undefined;
  }

  /** A candles subscription: the first one starts the replay; a returning driver gets what it missed. */
  drive(client: FeedClient): void {
    this.driver = client;
    if (this.status === 'waiting') {
      this.status = 'running';
      this.startedAt = Date.now();
      this.broadcast(this.sessionMessage('started', this.session.replay.now()));
      if (this.session.request.speed === 'max') this.advanceUpTo(1);
      else this.timer = setInterval(() => this.releaseInRealTime(), realTimeStepMs);
      this.finishIfDone();
      return;
    }
    // A reconnecting driver: where the clock stands, and every candle it has not acknowledged.
    if (this.advancedSeq > 0) {
      client.send(this.sessionMessage('advanced', this.session.replay.now()));
    }
    const unacknowledged = this.unacknowledged();
    if (this.batching) sendBars(client, unacknowledged);
    else for (const bar of unacknowledged) client.send(candleMessage(bar));
    if (this.status === 'finished')
      client.send(this.sessionMessage('finished', this.session.replay.now()));
  }

  /**
   * `{"op":"ack"}` from the driver, or `X-Timber-Ack` on a request (no window or batch then);
   * the answer is an error text, or undefined when accepted.
   */
  ack(seq: number, window?: number, batch?: boolean): string | undefined {
    const problem = this.refusal(seq);
    if (problem !== undefined) return problem;
    if (window !== undefined) this.window = window;
    if (batch !== undefined) this.batching = batch;
    if (seq > this.acked) this.acked = seq;
    this.advanceUpTo(this.acked + 1);
    this.finishIfDone();
    return undefined;
  }

  /**
   * `X-Timber-Ack` on a request: the clock moves now, before the request is handled; the bars
   * the window lets go ahead follow once the answer is on its way (the client is waiting for
   * the answer, not for them).
   */
  ackFromRequest(seq: number): string | undefined {
    const problem = this.refusal(seq);
    if (problem !== undefined) return problem;
    if (seq > this.acked) this.acked = seq;
    this.advanceUpTo(this.acked + 1, false);
    if (!this.aheadScheduled) {
      this.aheadScheduled = true;
      setImmediate(() => {
        this.aheadScheduled = false;
        this.sendAhead();
        this.flush();
        this.finishIfDone();
      });
    }
    return undefined;
  }

  private refusal(seq: number): string | undefined {
    if (this.session.request.speed !== 'max') {
      return 'this session runs at a multiple of real time and takes no acknowledgements';
    }
    if (seq > this.sentSeq) {
      return `cannot acknowledge bar ${seq}: only bars up to ${this.sentSeq} have been sent`;
    }
    return undefined;
  }

  close(): void {
    clearInterval(this.timer);
    this.clients.clear();
    this.driver = undefined;
  }

  /**
   * Moves the clock bar by bar until it stands at bar `seq` (or the last), then sends ahead. One
   * `advanced` says where the clock stopped: a client acknowledging many bars at once (its
   * account quiet, so nothing happened between them) needs no word about each.
   */
  private advanceUpTo(seq: number, ahead = true): void {
    let announced = true;
    while (this.advancedSeq < seq) {
      const step = this.advanceOne();
      if (step === undefined) break;
      announced = this.advancedSeq >= seq;
      if (announced) this.announce(step.quiet);
      if (step.bar.seq > this.sentSeq) this.sendCandle(step.bar);
    }
    if (!announced) this.announce(this.session.replay.quiet());
    if (ahead) this.sendAhead();
    this.flush();
  }

  /** Moves the clock to the next bar; the caller says so and sends its candle. */
  private advanceOne(): { bar: ReplayBar; quiet: boolean } | undefined {
    const bar = this.ahead.shift() ?? this.take();
    if (bar === undefined) return undefined;
    const step = this.session.replay.advance(bar);
    this.advancedSeq = bar.seq;
    this.current = bar;
    return { bar, quiet: step.quiet };
  }

  private announce(quiet: boolean): void {
    this.broadcast(this.sessionMessage('advanced', this.session.replay.now(), quiet));
  }

  private sendAhead(): void {
    if (this.session.request.speed !== 'max') return;
    while (this.sentSeq < this.acked + this.window) {
      const bar = this.take();
      if (bar === undefined) return;
      this.ahead.push(bar);
      this.sendCandle(bar);
    }
  }

  private take(): ReplayBar | undefined {
    if (this.exhausted) return undefined;
    const bar = this.session.replay.takeBar();
    if (bar === undefined) this.exhausted = true;
    return bar;
  }

  private sendCandle(bar: ReplayBar): void {
    this.sentSeq = bar.seq;
    if (!this.batching) this.driver?.send(candleMessage(bar));
    else if (this.driver !== undefined) this.batch.push(bar);
  }

  /** Sends the batched bars: before any other message, so the order of messages holds. */
  private flush(): void {
    if (this.batch.length === 0) return;
    if (this.driver !== undefined) sendBars(this.driver, this.batch);
    this.batch.length = 0;
  }

  /** Candles sent in lockstep and not acknowledged yet: the bar the clock stands at, and those ahead. */
  private unacknowledged(): ReplayBar[] {
    if (this.session.request.speed !== 'max') return [];
    const current =
      this.current !== undefined && this.current.seq > this.acked ? [this.current] : [];
    return [...current, ...this.ahead];
  }

  private releaseInRealTime(): void {
    if (this.driver !== undefined && this.driver.bufferedBytes > maxBufferedBytes) return;
    const speed = this.session.request.speed as number;
    const target = this.session.request.from + (Date.now() - this.startedAt) * speed;
    for (;;) {
      const next = this.ahead[0] ?? this.take();
      if (next === undefined) break;
      if (this.ahead.length === 0) this.ahead.push(next);
      if (next.closeAt > target) return;
      // Real time announces every bar: events and candles interleave by time there.
      const step = this.advanceOne();
      if (step === undefined) break;
      this.announce(step.quiet);
      if (step.bar.seq > this.sentSeq) this.sendCandle(step.bar);
    }
    this.finishIfDone();
  }

  private finishIfDone(): void {
    if (this.status !== 'running' || this.ahead.length > 0) return;
    const lockstepDone = this.session.request.speed !== 'max' || this.acked >= this.advancedSeq;
    if (!lockstepDone || !this.exhausted) return;
    clearInterval(this.timer);
    this.status = 'finished';
    this.broadcast(this.sessionMessage('finished', this.session.replay.now()));
  }

  private onApplied(event: EngineEvent, engine: EngineState): void {
    if (event.account_id !== this.session.accountId) return;
    this.flush();
    const update = orderUpdateFor(engine, event);
    if (update !== undefined) {
      const text = JSON.stringify({
        channel: 'orders',
        type: update.type,
        seq: this.orderLog.length + 1,
        t: event.t,
        data:
          update.fill === undefined
            ? { order: update.order }
            : { order: update.order, fill: update.fill },
      });
      this.orderLog.push(text);
      for (const client of this.clients) if (client.wantsOrders) client.send(text);
    }
    const account = accountView(engine, this.session.replay.market, event.account_id, event.t);
    if (account === undefined) return;
    const text = JSON.stringify({
      channel: 'account',
      type: 'update',
      seq: this.accountLog.length + 1,
      t: event.t,
      data: account,
    });
    this.accountLog.push(text);
    for (const client of this.clients) if (client.wantsAccount) client.send(text);
  }

  private sessionMessage(
    type: 'started' | 'advanced' | 'finished',
    t: number,
    quiet?: boolean,
  ): string {
    return JSON.stringify({
      channel: 'session',
      type,
      seq: this.advancedSeq,
      t,
      data: {
        session_id: this.session.id,
        lockstep: this.session.request.speed === 'max',
        quiet: quiet ?? this.session.replay.quiet(),
        bars_total: this.session.barsTotal,
        bars_released: this.advancedSeq,
      },
    });
  }

  private broadcast(text: string): void {
    this.flush();
    for (const client of this.clients) client.send(text);
  }
}

/**
 * A bar's `candles` message. Written out by hand: a backtest sends one per bar, and this is 3x
 * faster than JSON.stringify of a spread object. Symbols are [A-Z0-9] and the numbers finite, so
 * the text is exactly what JSON.stringify would give.
 */
function candleMessage(bar: ReplayBar): string {
  const { t, o, h, l, c, v } = bar.candle;
  return (
    `{"channel":"candles","type":"close","seq":${bar.seq},"t":${bar.closeAt},` +
    `"data":{"symbol":"${bar.symbol}","interval":"${bar.interval}",` +
    `"t":${t},"o":${o},"h":${h},"l":${l},"c":${c},"v":${v}}}`
  );
}

const maxBatchRows = 1024;

/** Bars as `bars` messages of at most 1,024 rows, written out by hand like `candleMessage`. */
function sendBars(client: FeedClient, bars: readonly ReplayBar[]): void {
  for (let start = 0; start < bars.length; start += maxBatchRows) {
    const end = Math.min(bars.length, start + maxBatchRows);
    const last = bars[end - 1];
    let rows = '';
    for (let i = start; i < end; i++) {
      const bar = bars[i];
      const { t, o, h, l, c, v } = bar.candle;
      rows += `${i === start ? '' : ','}[${bar.seq},"${bar.symbol}",${t},${o},${h},${l},${c},${v}]`;
    }
    client.send(
      `{"channel":"candles","type":"bars","seq":${last.seq},"t":${last.closeAt},` +
        `"data":{"interval":"${last.interval}","bars":[${rows}]}}`,
    );
  }
}
