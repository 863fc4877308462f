// Ticks inside one minute, generated on demand and consistent with the minute's bar exactly:
// `volume` ticks, the first at the minute's start on the open, the last on the close, the high
// and the low each touched at a deterministic tick, and no bid outside [low, high].
import { minuteMs } from './hours';
import { LruCache } from './lru';
import type { MinuteBars } from './minute-bars';
import type { InstrumentModel } from './model';
import { spreadScaleOf } from './spread';
import { Rng, hashKeys, normalTable, tableShift, tableSize } from './random';

/** Ticks of one minute in integer price ticks (a class: one object shape for hot loops). */
export class TickBuffer {
  count = 0;

  constructor(
    readonly time: Float64Array,
    readonly bid: Int32Array,
    readonly ask: Int32Array,
  ) {}
}

const capacity = 1500;
/** Per-tick spread noise: log-normal, about 18% deviation. */
const spreadJitter = (() => {
  const table = new Float64Array(tableSize);
  for (let k = 0; k < table.length; k++) table[k] = Math.exp(0.18 * normalTable[k]);
  return table;
})();
/** When the close is above the open, the low tends to come first (and vice versa). */
const extremeOrderBias = 0.65;
const walk = new Float64Array(capacity);

export function createTickBuffer(): TickBuffer {
  return new TickBuffer(
    new Float64Array(capacity),
    new Int32Array(capacity),
    new Int32Array(capacity),
  );
}

/** A random-walk bridge from bid[from] to bid[to], kept inside [low, high]. */
function fillSegment(
  bid: Int32Array,
  from: number,
  to: number,
  stepTicks: number,
  low: number,
  high: number,
  rng: Rng,
): void {
  const steps = to - from;
  if (steps < 2) return;
  let position = 0;
  for (let k = 1; k <= steps; k++) {
    position += stepTicks * rng.normal();
    walk[k] = position;
  }
  const startPrice = bid[from];
  const rise = bid[to] - startPrice;
  for (let k = 1; k < steps; k++) {
    const share = k / steps;
    const price = Math.round(startPrice + rise * share + walk[k] - share * position);
    bid[from + k] = price < low ? low : price > high ? high : price;
  }
}

/**
 * Tick times as a Poisson stream conditioned on its count: exponential gaps, rescaled to the
 * minute, so ticks bunch and pause as real ones do. Adding k after flooring keeps the times
 * distinct and increasing; the first tick is at the minute's start.
 */
function fillTimes(time: Float64Array, count: number, start: number, rng: Rng): void {
  time[0] = 0;
  let elapsed = 0;
  for (let k = 1; k < count; k++) {
    elapsed += rng.exponential();
    time[k] = elapsed;
  }
  const scale = (minuteMs - count) / (elapsed + rng.exponential());
  for (let k = 0; k < count; k++) time[k] = start + Math.floor(time[k] * scale) + k;
}

function fillBids(bars: MinuteBars, minute: number, out: TickBuffer, rng: Rng): void {
  const count = out.count;
  const bid = out.bid;
  const o = bars.open[minute];
  const c = bars.close[minute];
  const h = bars.high[minute];
  const l = bars.low[minute];
  bid[0] = o;
  if (count === 1) return;
  bid[count - 1] = c;
  const needHigh = h > Math.max(o, c);
  const needLow = l < Math.min(o, c);
  const stepTicks = bars.deviationTicks[minute] / Math.sqrt(count);
  const anchors = [0];
  if (needHigh && needLow) {
    const first = 1 + rng.below(count - 2);
    let second = 1 + rng.below(count - 3);
    if (second >= first) second++;
    const lowFirst = rng.uniform() < (c >= o ? extremeOrderBias : 1 - extremeOrderBias);
    const early = Math.min(first, second);
    const late = Math.max(first, second);
    bid[early] = lowFirst ? l : h;
    bid[late] = lowFirst ? h : l;
    anchors.push(early, late);
  } else if (needHigh || needLow) {
    const at = 1 + rng.below(count - 2);
    bid[at] = needHigh ? h : l;
    anchors.push(at);
  }
  anchors.push(count - 1);
  for (let k = 1; k < anchors.length; k++) {
    fillSegment(bid, anchors[k - 1], anchors[k], stepTicks, l, h, rng);
  }
}

/**
 * The spread draws of a minute come from their own stream, not after the path's: the first
 * tick's ask (a quote at a bar's close, which is every backtest order) then needs no other tick.
 */
function spreadDraws(model: InstrumentModel, start: number): Rng {
  return new Rng(hashKeys(model.seed, start / minuteMs, 17));
}

function askOf(bid: number, spreadPerTick: number, draws: Rng): number {
  const spread = Math.round(spreadPerTick * bid * spreadJitter[draws.nextUint32() >>> tableShift]);
  return bid + (spread < 1 ? 1 : spread);
}

/** Fills `out` with the ticks of minute `minute` of the day's bars (none if closed). */
export function fillMinuteTicks(
  model: InstrumentModel,
  bars: MinuteBars,
  minute: number,
  out: TickBuffer,
): void {
  const count = bars.volume[minute];
  out.count = count;
  if (count === 0) return;
  const start = bars.startMs + minute * minuteMs;
  const rng = new Rng(hashKeys(model.seed, start / minuteMs, 13));
  fillTimes(out.time, count, start, rng);
  fillBids(bars, minute, out, rng);
  const spreadPerTick = model.spreadBps * 1e-4 * spreadScaleOf(model, bars, minute);
  const draws = spreadDraws(model, start);
  const bid = out.bid;
  const ask = out.ask;
  for (let k = 0; k < count; k++) ask[k] = askOf(bid[k], spreadPerTick, draws);
}

/**
 * The ask of a minute's first tick (at the minute's start, on the open), without the others;
 * equal to `fillMinuteTicks`' ask[0]. The minute must have ticks.
 */
export function openingAsk(model: InstrumentModel, bars: MinuteBars, minute: number): number {
  const spreadPerTick = model.spreadBps * 1e-4 * spreadScaleOf(model, bars, minute);
  return askOf(
    bars.open[minute],
    spreadPerTick,
    spreadDraws(model, bars.startMs + minute * minuteMs),
  );
}

// The live feed asks about the same minute many times (quotes, forming candles, a matching
// loop stepping through new ticks), so recent minutes are kept, trimmed to their tick count.
const recentMinutes = new LruCache<TickBuffer>(1024);
const fillScratch = createTickBuffer();

/** The ticks of one minute, from a cache of recently used minutes. Do not modify them. */
export function minuteTicks(model: InstrumentModel, bars: MinuteBars, minute: number): TickBuffer {
  const key = model.index * 1e8 + bars.startMs / minuteMs + minute;
  let ticks = recentMinutes.get(key);
  if (!ticks) {
    fillMinuteTicks(model, bars, minute, fillScratch);
    const count = fillScratch.count;
    ticks = new TickBuffer(
      fillScratch.time.slice(0, count),
      fillScratch.bid.slice(0, count),
      fillScratch.ask.slice(0, count),
    );
    ticks.count = count;
    recentMinutes.set(key, ticks);
  }
  return ticks;
}

/** The minute last computed for a one-off read, which is cached if it is asked for again. */
let onceKey = -1;
const onceTicks = createTickBuffer();

/**
 * The ticks of one minute for a read that keeps nothing (one quote): a minute asked for the
 * first time is computed into a scratch buffer, valid until the next call, and cached only when
 * asked for again. A backtest quotes each minute once; caching those would copy ~36 KB a quote.
 */
export function minuteTicksOnce(
  model: InstrumentModel,
  bars: MinuteBars,
  minute: number,
): TickBuffer {
  const key = model.index * 1e8 + bars.startMs / minuteMs + minute;
  const cached = recentMinutes.get(key);
  if (cached !== undefined) return cached;
  if (key === onceKey) return minuteTicks(model, bars, minute);
  onceKey = key;
  fillMinuteTicks(model, bars, minute, onceTicks);
  return onceTicks;
}

export function clearMinuteTickCache(): void {
  recentMinutes.clear();
  onceKey = -1;
}
