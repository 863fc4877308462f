// One UTC day of 1-minute bars for an instrument, in integer ticks: the instrument's log price
// is combined from its latent series, rounded to the tick grid, and given a high and low drawn
// from the exact extreme distribution of a Brownian bridge. Bars are BID prices.
import { anchorEpochDay, varianceUnit } from './daily';
import { dayMs, minutesPerDay, minutesPerWeek, weekdayOfEpochDay } from './hours';
import { latentDay, latentDayForStream } from './latent-day';
import { LruCache } from './lru';
import type { InstrumentModel } from './model';
import { Rng, exponentialTable, hashKeys, normalTable, tableMask, tableShift } from './random';

/**
 * One day of 1-minute bars. A class, so every day shares one object shape and the hot loops
 * that read them stay monomorphic; recycled days are re-labelled with `day` and `startMs`.
 */
export class MinuteBars {
  /** Days since the series anchor. */
  day = 0;
  startMs = 0;
  // One allocation for all six columns: years of backtest days allocate these by the thousand.
  private readonly buffer = new ArrayBuffer(6 * minutesPerDay * 4);
  /** Tick counts; o and c are kept for closed minutes too (they carry the hidden path). */
  readonly open = new Int32Array(this.buffer, 0, minutesPerDay);
  readonly high = new Int32Array(this.buffer, minutesPerDay * 4, minutesPerDay);
  readonly low = new Int32Array(this.buffer, 2 * minutesPerDay * 4, minutesPerDay);
  readonly close = new Int32Array(this.buffer, 3 * minutesPerDay * 4, minutesPerDay);
  /** Ticks in the minute; 0 exactly when the market is closed. */
  readonly volume = new Int32Array(this.buffer, 4 * minutesPerDay * 4, minutesPerDay);
  /** The minute's price deviation, in ticks: shapes its tick path and widens its spread. */
  readonly deviationTicks = new Float32Array(this.buffer, 5 * minutesPerDay * 4, minutesPerDay);

  copyColumnsFrom(source: MinuteBars): void {
    new Uint8Array(this.buffer).set(new Uint8Array(source.buffer));
  }

  label(day: number): this {
    this.day = day;
    this.startMs = (anchorEpochDay + day) * dayMs;
    return this;
  }
}

const maxTicksPerMinute = 1500;
/** Minute-to-minute scatter of the tick count around its rate: log-normal, about 20%. */
const tickCountNoise = normalTable.map((z) => Math.exp(0.2 * z - 0.02));

// Room for today and yesterday of every instrument (quotes for the whole universe), about 35 KB
// a day each. Evicted days are not recycled: scans hold a day's bars while calling back into
// arbitrary code, which may itself fill the cache. Bulk scans use the stream buffer instead.
const cache = new LruCache<MinuteBars>(1200);

const logPrice = new Float64Array(minutesPerDay);
const variance = new Float64Array(minutesPerDay);

/**
 * What a model's minutes look like on average. Latents share a handful of seasonal shapes, so
 * the expected variance is a short sum over shapes, never a per-instrument array.
 */
interface WeeklyShape {
  /** Mean expected variance over open minutes: the instrument's "normal" minute. */
  readonly reference: number;
  readonly shapes: readonly { readonly weekly: Float64Array; readonly scale: number }[];
}

const shapeByModel = new Map<number, WeeklyShape>();
const openMeans = new WeakMap<Float64Array, Map<Uint8Array, number>>();

/** Mean of a weekly weight array over the minutes a mask marks open. */
function openMean(weekly: Float64Array, mask: Uint8Array): number {
  let byMask = openMeans.get(weekly);
  if (!byMask) {
    byMask = new Map();
    openMeans.set(weekly, byMask);
  }
  let mean = byMask.get(mask);
  if (mean === undefined) {
    let sum = 0;
    let count = 0;
    for (let m = 0; m < minutesPerWeek; m++) {
      if (mask[m] !== 1) continue;
      sum += weekly[m];
      count++;
    }
    mean = count > 0 ? sum / count : 1;
    byMask.set(mask, mean);
  }
  return mean;
}

function weeklyShape(model: InstrumentModel): WeeklyShape {
  const known = shapeByModel.get(model.index);
  if (known) return known;
  const scaleByWeights = new Map<Float64Array, number>();
  for (const { latent, weight } of model.exposures) {
    const weekly = latent.weights.variance;
    const scale = weight * weight * varianceUnit(latent);
    scaleByWeights.set(weekly, (scaleByWeights.get(weekly) ?? 0) + scale);
  }
  const shapes = [...scaleByWeights].map(([weekly, scale]) => ({ weekly, scale }));
  let reference = 0;
  for (const { weekly, scale } of shapes) reference += scale * openMean(weekly, model.hours.mask);
  const shape = { reference, shapes };
  shapeByModel.set(model.index, shape);
  return shape;
}

/** The instrument's mean expected variance over its open minutes. */
export function referenceVariance(model: InstrumentModel): number {
  return weeklyShape(model).reference;
}

/** Expected variance of the instrument at a minute of the week. */
export function expectedVarianceAt(model: InstrumentModel, weekMinute: number): number {
  let expected = 0;
  for (const { weekly, scale } of weeklyShape(model).shapes) expected += scale * weekly[weekMinute];
  return expected;
}

/** Fills the scratch arrays with the day's log price and variance; returns the start level. */
function combineLatents(model: InstrumentModel, day: number, streaming: boolean): number {
  logPrice.fill(model.logOffset);
  variance.fill(0);
  let startLevel = model.logOffset;
  for (let slot = 0; slot < model.exposures.length; slot++) {
    const { latent, weight } = model.exposures[slot];
    const path = streaming ? latentDayForStream(latent, day, slot) : latentDay(latent, day);
    const level = path.level;
    const pathVariance = path.variance;
    const weight2 = weight * weight;
    startLevel += weight * path.startLevel;
    for (let i = 0; i < minutesPerDay; i++) {
      logPrice[i] += weight * level[i];
      variance[i] += weight2 * pathVariance[i];
    }
  }
  return startLevel;
}

function computeMinuteBars(model: InstrumentModel, bars: MinuteBars, streaming: boolean): void {
  const day = bars.day;
  const weekday = weekdayOfEpochDay(anchorEpochDay + day);
  const offset = weekday * minutesPerDay;
  const startLevel = combineLatents(model, day, streaming);
  const toTicks = model.price.scale / model.price.units;
  const { reference } = weeklyShape(model);
  const inverseReferenceDeviation = 1 / Math.sqrt(reference);
  const ticksPerMinute = model.ticksPerMinute;
  const mask = model.hours.mask;
  const rng = new Rng(hashKeys(model.seed, day, 11));

  const { open, high, low, close, volume, deviationTicks } = bars;

  let previousClose = Math.max(1, Math.round(Math.exp(startLevel) * toTicks));
  for (let i = 0; i < minutesPerDay; i++) {
    const o = previousClose;
    const c = Math.max(1, Math.round(Math.exp(logPrice[i]) * toTicks));
    open[i] = o;
    close[i] = c;
    previousClose = c;
    if (mask[offset + i] !== 1) {
      high[i] = Math.max(o, c);
      low[i] = Math.min(o, c);
      volume[i] = 0;
      deviationTicks[i] = 0;
      continue;
    }
    const relativeDeviation = Math.sqrt(variance[i]);
    const sd = relativeDeviation * c;
    // Extremes of a Brownian bridge from o to c: P(max - max(o,c) > y) = exp(-2y(y+d)/sd^2).
    const draw = rng.nextUint32();
    const d = Math.abs(c - o);
    const up = 0.5 * (Math.sqrt(d * d + 2 * sd * sd * exponentialTable[draw >>> tableShift]) - d);
    const down = 0.5 * (Math.sqrt(d * d + 2 * sd * sd * exponentialTable[draw & tableMask]) - d);
    const h = Math.max(o, c) + Math.round(up);
    const l = Math.max(1, Math.min(o, c) - Math.round(down));
    high[i] = h;
    low[i] = l;
    deviationTicks[i] = sd;

    // Busy minutes print more ticks: activity is the minute's deviation against a normal one.
    const activity = Math.min(6, Math.max(0.05, relativeDeviation * inverseReferenceDeviation));
    const drawn = Math.round(
      ticksPerMinute * activity * tickCountNoise[rng.nextUint32() >>> tableShift],
    );
    const extremes = (h > Math.max(o, c) ? 1 : 0) + (l < Math.min(o, c) ? 1 : 0);
    const needed = 1 + extremes + (extremes > 0 || c !== o ? 1 : 0);
    volume[i] = Math.min(maxTicksPerMinute, Math.max(needed, drawn));
  }
}

/** The 1-minute bars of an instrument for one day (days since the anchor), cached. */
export function minuteBars(model: InstrumentModel, day: number): MinuteBars {
  const key = model.index * 65536 + day;
  let bars = cache.get(key);
  if (!bars) {
    bars = new MinuteBars().label(day);
    const streamed = streamedDay(model, day);
    if (streamed !== undefined) {
      // A backtest walking days through the stream buffers asks for a quote of a day it has
      // just walked when it trades: a copy costs a memcpy, computing the day again far more.
      bars.copyColumnsFrom(streamed);
    } else {
      computeMinuteBars(model, bars, false);
    }
    cache.set(key, bars);
  }
  return bars;
}

/**
 * Reused buffers for bulk reads, the last few days computed, with the model each holds (-1:
 * none). A few, not one: a replay session sends bars a window ahead of its clock (up to about
 * three days of minutes) and walks several symbols, while its orders are quoted at the clock.
 */
const streamRing = Array.from({ length: 8 }, () => ({ model: -1, bars: new MinuteBars() }));
let streamNext = 0;

function streamedDay(model: InstrumentModel, day: number): MinuteBars | undefined {
  for (const entry of streamRing) {
    if (entry.model === model.index && entry.bars.day === day) return entry.bars;
  }
  return undefined;
}

/**
 * The bars a single quote reads: a stream buffer itself when one holds that day (a backtest
 * trading on a day it walks), which is safe because a quote reads one minute and keeps
 * nothing; otherwise the cached day.
 */
export function minuteBarsForQuote(model: InstrumentModel, day: number): MinuteBars {
  return streamedDay(model, day) ?? minuteBars(model, day);
}

/**
 * The same bars for a bulk download: computed into a reused buffer, valid until seven more
 * days were streamed. Callers finish a day before asking for another (generators yield
 * between days).
 */
export function minuteBarsForStream(model: InstrumentModel, day: number): MinuteBars {
  const cached = cache.get(model.index * 65536 + day);
  if (cached) return cached;
  const streamed = streamedDay(model, day);
  if (streamed !== undefined) return streamed;
  const entry = streamRing[streamNext];
  streamNext = (streamNext + 1) % streamRing.length;
  entry.model = -1;
  computeMinuteBars(model, entry.bars.label(day), true);
  entry.model = model.index;
  return entry.bars;
}

/** Days since the anchor of the UTC day containing t. */
export function dayOfTime(t: number): number {
  return Math.floor(t / dayMs) - anchorEpochDay;
}

export function clearMinuteBarCache(): void {
  cache.clear();
  for (const entry of streamRing) entry.model = -1;
  shapeByModel.clear();
}
