// Walks candles and ticks over a time range in integer ticks, without building objects, so the
// JSON API, the NDJSON writer and the engine share one path. Higher intervals aggregate the
// 1-minute bars exactly; a bucket containing `now` aggregates only the ticks at or before it.
import { anchorEpochDay } from './daily';
import { dayMs, minuteMs, minutesPerDay, weekdayOfEpochDay } from './hours';
import { LruCache } from './lru';
import type { MinuteBars } from './minute-bars';
import { dayOfTime, minuteBars, minuteBarsForStream } from './minute-bars';
import type { InstrumentModel } from './model';
import type { TickBuffer } from './ticks';
import { createTickBuffer, fillMinuteTicks, minuteTicks } from './ticks';

/** Market data starts here; earlier queries are simply empty. */
export const marketDataStartMs = Date.UTC(2015, 0, 1);
/** And is generated up to here. */
export const marketDataEndMs = Date.UTC(2100, 0, 1);

/** Receives one candle in integer price ticks; `t` is its open time. */
export type CandleSink = (t: number, o: number, h: number, l: number, c: number, v: number) => void;
/** Receives one tick in integer price ticks; return false to stop. */
export type TickSink = (t: number, bid: number, ask: number) => boolean | void;

function dayHasOpenMinute(model: InstrumentModel, day: number): boolean {
  return model.hours.weekdayHasOpen[weekdayOfEpochDay(anchorEpochDay + day)];
}

/** A candle being built, in integer ticks; v = 0 means nothing yet. */
interface Accumulator {
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

const accumulator: Accumulator = { o: 0, h: 0, l: 0, c: 0, v: 0 };

function resetAccumulator(): Accumulator {
  accumulator.v = 0;
  return accumulator;
}

/** Adds whole minutes [first, end) of a day's bars; closed minutes add nothing. */
function addMinutes(acc: Accumulator, bars: MinuteBars, first: number, end: number): void {
  const { volume, open, high, low, close } = bars;
  for (let i = first; i < end; i++) {
    const n = volume[i];
    if (n === 0) continue;
    if (acc.v === 0) {
      acc.o = open[i];
      acc.h = high[i];
      acc.l = low[i];
    } else {
      if (high[i] > acc.h) acc.h = high[i];
      if (low[i] < acc.l) acc.l = low[i];
    }
    acc.c = close[i];
    acc.v += n;
  }
}

/** Adds the ticks of one minute that are at or before `now`. */
function addTicksUntil(
  acc: Accumulator,
  model: InstrumentModel,
  bars: MinuteBars,
  minute: number,
  now: number,
): void {
  if (bars.volume[minute] === 0) return;
  const ticks = minuteTicks(model, bars, minute);
  const { time, bid } = ticks;
  for (let k = 0; k < ticks.count && time[k] <= now; k++) {
    const price = bid[k];
    if (acc.v === 0) {
      acc.o = price;
      acc.h = price;
      acc.l = price;
    } else {
      if (price > acc.h) acc.h = price;
      if (price < acc.l) acc.l = price;
    }
    acc.c = price;
    acc.v++;
  }
}

/**
 * Emits the bucket of `minutes` minutes starting at minute `first` of the day, counting only
 * what is visible at `now`; returns whether it had any tick.
 */
function emitBucket(
  model: InstrumentModel,
  bars: MinuteBars,
  first: number,
  minutes: number,
  now: number,
  sink: CandleSink,
): boolean {
  const acc = resetAccumulator();
  const bucketStart = bars.startMs + first * minuteMs;
  if (bucketStart + minutes * minuteMs <= now + 1) {
    addMinutes(acc, bars, first, first + minutes);
  } else {
    const nowMinute = Math.floor((now - bars.startMs) / minuteMs);
    addMinutes(acc, bars, first, nowMinute);
    addTicksUntil(acc, model, bars, nowMinute, now);
  }
  if (acc.v === 0) return false;
  sink(bucketStart, acc.o, acc.h, acc.l, acc.c, acc.v);
  return true;
}

// Whole days never change once generated: caching their daily candle makes long 1d queries cheap.
const dayCandles = new LruCache<Readonly<Accumulator> | null>(200_000);

function wholeDayCandle(
  model: InstrumentModel,
  day: number,
  streaming: boolean,
): Readonly<Accumulator> | null {
  const key = model.index * 65536 + day;
  const cached = dayCandles.get(key);
  if (cached !== undefined) return cached;
  let candle: Readonly<Accumulator> | null = null;
  if (dayHasOpenMinute(model, day)) {
    const acc = resetAccumulator();
    const bars = streaming ? minuteBarsForStream(model, day) : minuteBars(model, day);
    addMinutes(acc, bars, 0, minutesPerDay);
    if (acc.v > 0) candle = { ...acc };
  }
  dayCandles.set(key, candle);
  return candle;
}

export interface ScanRange {
  /** Candles whose open time is at or after this. */
  readonly from: number;
  /** Candles whose open time is at or before this. */
  readonly to: number;
  /** Nothing after this instant is visible; the bucket containing it may be forming. */
  readonly now: number;
  readonly limit: number;
  /** Compute days into a reused buffer, bypassing the caches: for bulk downloads. */
  readonly streaming?: boolean;
}

/**
 * Emits candles of `intervalMs` (which divides a day) with open times in [from, to], oldest
 * first, up to `limit`; returns how many. Days are visited one at a time, so a caller that
 * wants laziness calls it per day (see `scanCandlesOfDay`).
 */
export function scanCandles(
  model: InstrumentModel,
  intervalMs: number,
  range: ScanRange,
  sink: CandleSink,
): number {
  const lastOpen = Math.min(range.to, range.now, marketDataEndMs - 1);
  const start = Math.max(range.from, marketDataStartMs);
  let count = 0;
  for (let day = dayOfTime(start); count < range.limit; day++) {
    const dayStart = (anchorEpochDay + day) * dayMs;
    if (dayStart > lastOpen) break;
    count += scanCandlesOfDay(model, intervalMs, day, { ...range, from: start }, sink, count);
  }
  return count;
}

/** The part of scanCandles that covers one day; `already` candles count against the limit. */
export function scanCandlesOfDay(
  model: InstrumentModel,
  intervalMs: number,
  day: number,
  range: ScanRange,
  sink: CandleSink,
  already = 0,
): number {
  if (!dayHasOpenMinute(model, day)) return 0;
  const dayStart = (anchorEpochDay + day) * dayMs;
  const lastOpen = Math.min(range.to, range.now, marketDataEndMs - 1);
  const firstBucket = Math.max(dayStart, Math.ceil(range.from / intervalMs) * intervalMs);
  if (firstBucket > lastOpen || firstBucket >= dayStart + dayMs) return 0;
  const step = intervalMs / minuteMs;
  const complete = range.now >= dayStart + dayMs - 1;
  const streaming = range.streaming ?? false;
  if (intervalMs === dayMs && complete && firstBucket === dayStart && dayStart <= lastOpen) {
    const candle = already < range.limit ? wholeDayCandle(model, day, streaming) : null;
    if (!candle) return 0;
    sink(dayStart, candle.o, candle.h, candle.l, candle.c, candle.v);
    return 1;
  }
  const bars = streaming ? minuteBarsForStream(model, day) : minuteBars(model, day);
  let count = 0;
  let bucket = firstBucket;
  if (step === 1) {
    // The hot path of bulk downloads: one minute per candle, no aggregation.
    const { volume, open, high, low, close } = bars;
    for (; bucket <= lastOpen && bucket < dayStart + dayMs; bucket += minuteMs) {
      if (already + count >= range.limit) return count;
      const i = (bucket - dayStart) / minuteMs;
      if (volume[i] === 0) continue;
      if (bucket + minuteMs > range.now + 1) {
        if (emitBucket(model, bars, i, 1, range.now, sink)) count++;
        continue;
      }
      sink(bucket, open[i], high[i], low[i], close[i], volume[i]);
      count++;
    }
    return count;
  }
  for (; bucket <= lastOpen && bucket < dayStart + dayMs; bucket += intervalMs) {
    if (already + count >= range.limit) return count;
    const first = (bucket - dayStart) / minuteMs;
    if (emitBucket(model, bars, first, step, range.now, sink)) count++;
  }
  return count;
}

/**
 * Emits ticks with from <= t <= to, oldest first, until the sink returns false or `limit`
 * ticks have been emitted; returns how many. Closed days cost nothing.
 */
export function scanTicks(
  model: InstrumentModel,
  from: number,
  to: number,
  limit: number,
  sink: TickSink,
  streaming = false,
): number {
  // Each scan has its own buffer: the sink may start another scan before this one ends.
  let buffer: TickBuffer | null = null;
  const start = Math.max(from, marketDataStartMs);
  const end = Math.min(to, marketDataEndMs - 1);
  let count = 0;
  for (let day = dayOfTime(start); count < limit; day++) {
    const dayStart = (anchorEpochDay + day) * dayMs;
    if (dayStart > end) break;
    if (!dayHasOpenMinute(model, day)) continue;
    const bars = streaming ? minuteBarsForStream(model, day) : minuteBars(model, day);
    const firstMinute = Math.max(0, Math.floor((start - dayStart) / minuteMs));
    const lastMinute = Math.min(minutesPerDay - 1, Math.floor((end - dayStart) / minuteMs));
    for (let i = firstMinute; i <= lastMinute; i++) {
      if (bars.volume[i] === 0) continue;
      // Edge minutes come from the cache: short, repeated queries (a matching loop) hit it,
      // while a bulk scan does not flood it.
      const edge = dayStart + i * minuteMs <= start || dayStart + (i + 1) * minuteMs > end;
      let ticks: TickBuffer;
      if (edge) {
        ticks = minuteTicks(model, bars, i);
      } else {
        ticks = buffer ??= createTickBuffer();
        fillMinuteTicks(model, bars, i, ticks);
      }
      const { time, bid, ask } = ticks;
      for (let k = 0; k < ticks.count; k++) {
        const t = time[k];
        if (t < start) continue;
        if (t > end) return count;
        count++;
        if (sink(t, bid[k], ask[k]) === false || count >= limit) return count;
      }
    }
  }
  return count;
}

export function clearDayCandleCache(): void {
  dayCandles.clear();
}
