// Minute level of a latent series within one UTC day: a Brownian bridge of 1440 minute
// closes from the day's open level to its close level. Minute variance follows the intraday
// seasonality, clusters by hour and has fat tails; the bridge pins the day's end, so days are
// independent of each other and of query order.
import type { LatentSpec } from './daily';
import { anchorEpochDay, dailySeries, dayOpenLevel, varianceUnit } from './daily';
import { minutesPerDay, weekdayOfEpochDay } from './hours';
import { LruCache } from './lru';
import { Rng, hashKeys, inverseNormal, normalFromUint32, tableMask, tableSize } from './random';

export interface LatentDay {
  /** Log level at the start of the day. */
  readonly startLevel: number;
  /** Log level at the end of each minute of the day. */
  readonly level: Float64Array;
  /** Variance of each minute's increment (before the bridge pins the end). */
  readonly variance: Float64Array;
}

/** Hour-to-hour persistence and deviation of log volatility within a day. */
const hourlyPersistence = 0.75;
const hourlyVolOfVol = 0.3;
/** Log-normal scale mixture of minute variance: kurtosis 3 * exp(b^2) before jumps. */
const minuteMixture = 0.7;
/** The top fraction of mixture draws are jumps with this many times the deviation. */
const jumpProbability = 0.002;
const jumpDeviationScale = 4;

/** Deviation multiplier per table index: sqrt of a unit-mean log-normal, with rare jumps. */
const mixtureDeviation = (() => {
  const size = tableSize;
  const table = new Float64Array(size);
  const jumpsFrom = Math.floor(size * (1 - jumpProbability));
  for (let k = 0; k < size; k++) {
    const z = inverseNormal((k + 0.5) / size);
    const variance = Math.exp(minuteMixture * z - (minuteMixture * minuteMixture) / 2);
    // Index and normal draw come from independent halves of one word, so jumps hit any sign.
    table[k] = Math.sqrt(variance) * (k >= jumpsFrom ? jumpDeviationScale : 1);
  }
  return table;
})();

// Evicted days lend their arrays to the next one, as in minute-bars.ts.
const spareDays: LatentDay[] = [];
// About 110 latent series drive the universe; 23 KB a day each.
const cache = new LruCache<LatentDay>(1200, (evicted) => {
  if (spareDays.length < 8) spareDays.push(evicted);
});
const cumulativeScratch = new Float64Array(minutesPerDay);
const hourScale = new Float64Array(24);

function fillHourScale(rng: Rng): void {
  const innovation = Math.sqrt(1 - hourlyPersistence * hourlyPersistence) * hourlyVolOfVol;
  let state = hourlyVolOfVol * rng.normal();
  for (let hour = 0; hour < 24; hour++) {
    // exp(g - s^2) has a unit mean square when g ~ N(0, s^2).
    hourScale[hour] = Math.exp(state - hourlyVolOfVol * hourlyVolOfVol);
    state = hourlyPersistence * state + innovation * rng.normal();
  }
}

/** Arrays a day is written into: recycled from the cache, a stream slot, or new. */
interface DayArrays {
  readonly level: Float64Array;
  readonly variance: Float64Array;
}

function freshArrays(): DayArrays {
  // One allocation, not two: years of backtest days allocate these by the thousand.
  const buffer = new ArrayBuffer(2 * minutesPerDay * 8);
  return {
    level: new Float64Array(buffer, 0, minutesPerDay),
    variance: new Float64Array(buffer, minutesPerDay * 8, minutesPerDay),
  };
}

function computeLatentDay(latent: LatentSpec, day: number, into: DayArrays): LatentDay {
  const series = dailySeries(latent, day);
  const startLevel = dayOpenLevel(latent, day);
  const endLevel = series.level[day];
  const scale = Math.sqrt(varianceUnit(latent)) * series.volMultiplier[day];
  const offset = weekdayOfEpochDay(anchorEpochDay + day) * minutesPerDay;
  const deviation = latent.weights.deviation;
  const rng = new Rng(hashKeys(latent.seed, day, 7));
  fillHourScale(rng);

  const { level, variance } = into;
  const cumulative = cumulativeScratch;
  let walk = 0;
  let total = 0;
  for (let hour = 0; hour < 24; hour++) {
    const hourDeviation = scale * hourScale[hour];
    const end = (hour + 1) * 60;
    for (let i = hour * 60; i < end; i++) {
      const draw = rng.nextUint32();
      // The top bits draw the normal, the bottom bits the mixture: independent parts of one word.
      const sd = hourDeviation * deviation[offset + i] * mixtureDeviation[draw & tableMask];
      walk += sd * normalFromUint32(draw);
      const v = sd * sd;
      total += v;
      level[i] = walk;
      variance[i] = v;
      cumulative[i] = total;
    }
  }
  // Brownian bridge: remove the walk's own end point and spread the gap to the day's close in
  // proportion to variance, so quiet minutes carry little of it.
  const gap = endLevel - startLevel - walk;
  const gapPerVariance = total > 0 ? gap / total : 0;
  for (let i = 0; i < minutesPerDay; i++) {
    level[i] = startLevel + level[i] + gapPerVariance * cumulative[i];
  }
  // Pin the end exactly (not up to rounding): the next day starts from this very number, so
  // the last close of a day and the first open of the next always agree.
  level[minutesPerDay - 1] = endLevel;
  return { startLevel, level, variance };
}

/** The minute path of a latent series for one day (days since the anchor), cached. */
export function latentDay(latent: LatentSpec, day: number): LatentDay {
  const key = latent.index * 65536 + day;
  let result = cache.get(key);
  if (!result) {
    result = computeLatentDay(latent, day, spareDays.pop() ?? freshArrays());
    cache.set(key, result);
  }
  return result;
}

/**
 * Bulk downloads read each day once: their days are computed into fixed slots (one per
 * exposure of the instrument) instead of the cache, so a five-year download neither allocates
 * nor evicts the days the live feed keeps asking for.
 */
export const streamSlots = 16;
const streamArrays = Array.from({ length: streamSlots }, freshArrays);

export function latentDayForStream(latent: LatentSpec, day: number, slot: number): LatentDay {
  const cached = cache.get(latent.index * 65536 + day);
  return cached ?? computeLatentDay(latent, day, streamArrays[slot]);
}

export function clearLatentDayCache(): void {
  cache.clear();
  spareDays.length = 0;
}
