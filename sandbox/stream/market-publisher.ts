// The `ticks` and `candles` channels: one publisher for every connection. Each step it reads the
// new market data of the subscribed symbols from the deterministic feed, serialises each message
// once and hands the same text to every subscriber of that symbol.
//
// seq: per symbol (and interval, for candles), rising by one per message of that stream while
// the sandbox runs; the same for every connection, so two clients can compare what they saw.
import type { Interval } from '../../api/common';
import { intervalMs } from '../../api/common';
import type { Candle, Instrument } from '../../api/market';
import { candlesBetween, ticksAfter } from '../market/feed';

export interface MarketSubscriber {
  send(text: string): void;
}

interface TickStream {
  instrument: Instrument;
  subscribers: Set<MarketSubscriber>;
  /** Time of the last tick published (or of the subscription, before the first). */
  lastT: number;
}

interface CandleStream {
  instrument: Instrument;
  interval: Interval;
  subscribers: Set<MarketSubscriber>;
  /** Open time of the candle being formed. */
  formingT: number;
  /** The last `update` sent for it, to send only changes. */
  lastSent: Candle | null;
}

export class MarketPublisher {
  private readonly ticks = new Map<string, TickStream>();
  private readonly candles = new Map<string, CandleStream>();
  /** Kept across unsubscribes, so a stream's seq never goes back while the sandbox runs. */
  private readonly seqs = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private lastCandleStepAt = -Infinity;

  /**
   * `periodMs`: how often new ticks are looked for. Candles are looked at every
   * `candlePeriodMs` (a forming candle's update at most that often per stream): reading a
   * bucket costs about twice a tick query, and nobody reads a candle four times a second.
   */
  constructor(
    private readonly now: () => number,
    private readonly periodMs = 25,
    private readonly candlePeriodMs = 250,
  ) {}

  subscribeTicks(instrument: Instrument, subscriber: MarketSubscriber): void {
    let stream = this.ticks.get(instrument.symbol);
    if (stream === undefined) {
      stream = { instrument, subscribers: new Set(), lastT: this.now() };
      this.ticks.set(instrument.symbol, stream);
    }
    stream.subscribers.add(subscriber);
    this.ensureRunning();
  }

  unsubscribeTicks(symbol: string, subscriber: MarketSubscriber): void {
    const stream = this.ticks.get(symbol);
    if (stream?.subscribers.delete(subscriber) && stream.subscribers.size === 0) {
      this.ticks.delete(symbol);
    }
    this.stopWhenIdle();
  }

  subscribeCandles(instrument: Instrument, interval: Interval, subscriber: MarketSubscriber): void {
    const key = `${instrument.symbol}:${interval}`;
    let stream = this.candles.get(key);
    if (stream === undefined) {
      const step = intervalMs[interval];
      const formingT = Math.floor(this.now() / step) * step;
      stream = { instrument, interval, subscribers: new Set(), formingT, lastSent: null };
      this.candles.set(key, stream);
    }
    stream.subscribers.add(subscriber);
    this.ensureRunning();
  }

  unsubscribeCandles(symbol: string, interval: Interval, subscriber: MarketSubscriber): void {
    const key = `${symbol}:${interval}`;
    const stream = this.candles.get(key);
    if (stream?.subscribers.delete(subscriber) && stream.subscribers.size === 0) {
      this.candles.delete(key);
    }
    this.stopWhenIdle();
  }

  /** Publishes everything new up to `now`. Public for benchmarks and tests. */
  step(now: number): void {
    for (const stream of this.ticks.values()) this.publishTicks(stream, now);
    if (now - this.lastCandleStepAt < this.candlePeriodMs) return;
    this.lastCandleStepAt = now;
    for (const [key, stream] of this.candles) this.publishCandles(key, stream, now);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private publishTicks(stream: TickStream, now: number): void {
    if (now <= stream.lastT) return;
    const { symbol } = stream.instrument;
    for (const tick of ticksAfter(stream.instrument, stream.lastT, now)) {
      const text = JSON.stringify({
        channel: 'ticks',
        type: 'tick',
        seq: this.nextSeq(`ticks:${symbol}`),
        t: tick.t,
        data: { t: tick.t, bid: tick.bid, ask: tick.ask, symbol },
      });
      for (const subscriber of stream.subscribers) subscriber.send(text);
    }
    stream.lastT = now;
  }

  private publishCandles(key: string, stream: CandleStream, now: number): void {
    const step = intervalMs[stream.interval];
    const bucket = Math.floor(now / step) * step;
    if (bucket > stream.formingT) {
      // Every candle that completed since the last step, whole: what history returns for it.
      const closed = candlesBetween(
        stream.instrument,
        stream.interval,
        stream.formingT,
        bucket - 1,
      );
      for (const candle of closed) this.sendCandle(key, stream, 'close', candle.t + step, candle);
      stream.formingT = bucket;
      stream.lastSent = null;
    }
    const [forming] = candlesBetween(stream.instrument, stream.interval, bucket, bucket, { now });
    if (forming !== undefined && !sameCandle(forming, stream.lastSent)) {
      this.sendCandle(key, stream, 'update', now, forming);
      stream.lastSent = forming;
    }
  }

  private sendCandle(
    key: string,
    stream: CandleStream,
    type: 'update' | 'close',
    t: number,
    candle: Candle,
  ): void {
    const text = JSON.stringify({
      channel: 'candles',
      type,
      seq: this.nextSeq(`candles:${key}`),
      t,
      data: { ...candle, symbol: stream.instrument.symbol, interval: stream.interval },
    });
    for (const subscriber of stream.subscribers) subscriber.send(text);
  }

  private nextSeq(key: string): number {
    const seq = (this.seqs.get(key) ?? 0) + 1;
    this.seqs.set(key, seq);
    return seq;
  }

  private ensureRunning(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.step(this.now()), this.periodMs);
    this.timer.unref();
  }

  private stopWhenIdle(): void {
    if (this.ticks.size === 0 && this.candles.size === 0) this.stop();
  }
}

function sameCandle(a: Candle, b: Candle | null): boolean {
  return (
    b !== null &&
    a.t === b.t &&
    a.o === b.o &&
    a.h === b.h &&
    a.l === b.l &&
    a.c === b.c &&
    a.v === b.v
  );
}
