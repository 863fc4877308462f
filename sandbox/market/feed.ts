// The market data API for the rest of the sandbox: pure functions of (instrument, time). What
// the live feed shows at time t is exactly what historical queries return for t later.
import type { Candle, Instrument, Quote, Tick } from '../../api/market';
import type { Interval } from '../../api/common';
import { intervalMs } from '../../api/common';
import { dayMs, lastOpenAtOrBefore, minuteMs } from './hours';
import { instrumentBySymbol, modelOf, usdConversion } from './instruments';
import type { TopOfBook } from './liquidity';
import { topOfBookFor } from './liquidity';
import { clearMinuteBarCache, dayOfTime, minuteBarsForQuote } from './minute-bars';
import type { InstrumentModel } from './model';
import { gridValue } from './model';
import {
  clearDayCandleCache,
  marketDataEndMs,
  marketDataStartMs,
  scanCandles,
  scanCandlesOfDay,
  scanTicks,
} from './scan';
import { anchorEpochDay, clearDailyCaches } from './daily';
import { clearLatentDayCache } from './latent-day';
import { clearMinuteTickCache, minuteTicksOnce, openingAsk } from './ticks';

/** A quote older than this is no quote at all (the instrument has not traded for a week). */
const quoteMaxAgeMs = 7 * dayMs;
/**
 * Queries longer than this read their days without caching them, so a chart loading years of
 * history does not evict the recent days that quotes and the live feed keep asking for.
 */
const cachedSpanMs = 3 * dayMs;

export interface CandleQueryOptions {
  /** At most this many candles (default: all in range). */
  readonly limit?: number;
  /** Nothing after this instant is visible; the candle containing it may be forming. */
  readonly now?: number;
}

function candleOf(
  model: InstrumentModel,
): (out: Candle[]) => (t: number, o: number, h: number, l: number, c: number, v: number) => void {
  const grid = model.price;
  return (out) => (t, o, h, l, c, v) => {
    out.push({
      t,
      o: gridValue(grid, o),
      h: gridValue(grid, h),
      l: gridValue(grid, l),
      c: gridValue(grid, c),
      v,
    });
  };
}

/**
 * Candles whose open time is in [fromMs, toMs], oldest first. Buckets align to the UTC epoch
 * (1h at hh:00, 4h at 00/04/08..., 1d at 00:00) and appear only if the market was open in them.
 */
export function candlesBetween(
  instrument: Instrument,
  interval: Interval,
  fromMs: number,
  toMs: number,
  options: CandleQueryOptions = {},
): Candle[] {
  const model = modelOf(instrument);
  const out: Candle[] = [];
  scanCandles(
    model,
    intervalMs[interval],
    {
      from: fromMs,
      to: toMs,
      now: options.now ?? Number.MAX_SAFE_INTEGER,
      limit: options.limit ?? Number.MAX_SAFE_INTEGER,
      streaming: toMs - fromMs > cachedSpanMs,
    },
    candleOf(model)(out),
  );
  return out;
}

/**
 * Complete candles with open times in [fromMs, toMs], one UTC day per item, oldest first: a
 * backtest walks years of bars without holding them all. Days are computed into the reused
 * stream buffers, not the day cache; quotes of a day a backtest has just walked read those
 * buffers instead of computing the day again.
 */
export function* candleDays(
  instrument: Instrument,
  interval: Interval,
  fromMs: number,
  toMs: number,
): Generator<Candle[]> {
  yield* days(instrument, interval, fromMs, toMs, candleOf(modelOf(instrument)));
}

/** A candle that names its instrument and interval, as a strategy receives it. */
export interface NamedCandle extends Candle {
  symbol: string;
  interval: Interval;
}

/**
 * `candleDays` with each candle naming its symbol and interval: a backtest hands these to the
 * strategy as they are, one object per bar instead of a candle and then a copy.
 */
export function* namedCandleDays(
  instrument: Instrument,
  interval: Interval,
  fromMs: number,
  toMs: number,
): Generator<NamedCandle[]> {
  const { symbol } = instrument;
  const grid = modelOf(instrument).price;
  yield* days(instrument, interval, fromMs, toMs, (out: NamedCandle[]) => (t, o, h, l, c, v) => {
    out.push({
      symbol,
      interval,
      t,
      o: gridValue(grid, o),
      h: gridValue(grid, h),
      l: gridValue(grid, l),
      c: gridValue(grid, c),
      v,
    });
  });
}

function* days<T>(
  instrument: Instrument,
  interval: Interval,
  fromMs: number,
  toMs: number,
  collect: (out: T[]) => (t: number, o: number, h: number, l: number, c: number, v: number) => void,
): Generator<T[]> {
  const model = modelOf(instrument);
  const range = { from: fromMs, to: toMs, now: Number.MAX_SAFE_INTEGER, limit: Infinity };
  const lastOpen = Math.min(toMs, marketDataEndMs - 1);
  for (let day = dayOfTime(Math.max(fromMs, marketDataStartMs)); ; day++) {
    if (day * dayMs + anchorEpochDay * dayMs > lastOpen) return;
    const out: T[] = [];
    scanCandlesOfDay(model, intervalMs[interval], day, { ...range, streaming: true }, collect(out));
    if (out.length > 0) yield out;
  }
}

/** The latest `limit` candles with open time at or before `now`; the last may be forming. */
export function latestCandles(
  instrument: Instrument,
  interval: Interval,
  now: number,
  limit: number,
): Candle[] {
  const model = modelOf(instrument);
  const step = intervalMs[interval];
  const toCandle = candleOf(model);
  // Walk back a day at a time, collecting each day's candles, until there are enough.
  const days: Candle[][] = [];
  let total = 0;
  const today = dayOfTime(Math.min(now, marketDataEndMs - 1));
  for (let day = today; total < limit && day >= dayOfTime(marketDataStartMs); day--) {
    const dayCandles: Candle[] = [];
    const streaming = (today - day) * dayMs > cachedSpanMs;
    const range = { from: 0, to: now, now, limit: Number.MAX_SAFE_INTEGER, streaming };
    scanCandlesOfDay(model, step, day, range, toCandle(dayCandles));
    if (dayCandles.length === 0) continue;
    days.push(dayCandles);
    total += dayCandles.length;
  }
  const all = days.reverse().flat();
  return all.slice(Math.max(0, all.length - limit));
}

function collectTicks(model: InstrumentModel, from: number, to: number, limit: number): Tick[] {
  const grid = model.price;
  const out: Tick[] = [];
  const sink = (t: number, bid: number, ask: number): void => {
    out.push({ t, bid: gridValue(grid, bid), ask: gridValue(grid, ask) });
  };
  scanTicks(model, from, to, limit, sink, to - from > cachedSpanMs);
  return out;
}

/** Ticks with fromMs <= t <= toMs, oldest first, at most `limit`. */
export function ticksBetween(
  instrument: Instrument,
  fromMs: number,
  toMs: number,
  limit = Number.MAX_SAFE_INTEGER,
): Tick[] {
  return collectTicks(modelOf(instrument), fromMs, toMs, limit);
}

/**
 * Ticks with afterMs < t <= uptoMs: a matching loop keeps the time of the last tick it saw and
 * asks for what came after it, so no tick is missed or seen twice.
 */
export function ticksAfter(
  instrument: Instrument,
  afterMs: number,
  uptoMs: number,
  limit = Number.MAX_SAFE_INTEGER,
): Tick[] {
  return collectTicks(modelOf(instrument), afterMs + 1, uptoMs, limit);
}

/**
 * Calls `visit` for each tick with fromMs <= t <= toMs without building arrays (backtests);
 * return false from it to stop. Returns the number of ticks visited. `visit` may call any
 * other market function: this scan uses the caches, never the shared bulk-download buffers.
 */
export function forEachTick(
  instrument: Instrument,
  fromMs: number,
  toMs: number,
  visit: (tick: Tick) => boolean | void,
): number {
  const model = modelOf(instrument);
  const grid = model.price;
  const sink = (t: number, bid: number, ask: number): boolean | void =>
    visit({ t, bid: gridValue(grid, bid), ask: gridValue(grid, ask) });
  return scanTicks(model, fromMs, toMs, Number.MAX_SAFE_INTEGER, sink);
}

/** The last tick at or before t, as a quote; null if there was none in the previous 7 days. */
export function quoteAt(instrument: Instrument, t: number): Quote | null {
  const model = modelOf(instrument);
  const last = lastOpenAtOrBefore(model.hours, t);
  if (last === null || last < marketDataStartMs || t - last > quoteMaxAgeMs) return null;
  if (last >= marketDataEndMs) return null;
  const day = dayOfTime(last);
  const bars = minuteBarsForQuote(model, day);
  const minute = Math.floor((last - bars.startMs) / minuteMs);
  if (last === bars.startMs + minute * minuteMs && bars.volume[minute] > 0) {
    // The minute's first tick, at its start: a quote at a bar's close needs no other tick.
    return {
      symbol: instrument.symbol,
      bid: gridValue(model.price, bars.open[minute]),
      ask: gridValue(model.price, openingAsk(model, bars, minute)),
      t: last,
    };
  }
  const quoteTicks = minuteTicksOnce(model, bars, minute);
  let k = quoteTicks.count - 1;
  while (k > 0 && quoteTicks.time[k] > last) k--;
  return {
    symbol: instrument.symbol,
    bid: gridValue(model.price, quoteTicks.bid[k]),
    ask: gridValue(model.price, quoteTicks.ask[k]),
    t: quoteTicks.time[k],
  };
}

/** Quantities at the best bid and ask for a tick of this instrument (for partial fills). */
export function tickLiquidity(instrument: Instrument, tick: Tick): TopOfBook {
  return topOfBookFor(modelOf(instrument), tick);
}

/** US dollars per unit of a currency at time t (mid price), or null without a quote. */
export function usdPerUnit(currency: string, t: number): number | null {
  const conversion = usdConversion(currency);
  if (!conversion) return null;
  if (conversion.type === 'identity') return 1;
  const quote = quoteAt(instrumentBySymbol(conversion.symbol)!, t);
  if (!quote) return null;
  const mid = (quote.bid + quote.ask) / 2;
  return conversion.type === 'multiply' ? mid : 1 / mid;
}

/**
 * Drops every cache (daily series, minute paths, bars). Results never depend on caches; this
 * exists for memory pressure, benchmarks and tests that prove exactly that.
 */
export function clearMarketCaches(): void {
  clearDailyCaches();
  clearLatentDayCache();
  clearMinuteBarCache();
  clearDayCandleCache();
  clearMinuteTickCache();
}
