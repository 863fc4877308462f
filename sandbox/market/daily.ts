// Day level of a latent series: one log level per UTC day, computed in order from an anchor
// date and cached. Prices are built from latent series (a currency's own moves, a dollar or
// equity factor...), so crosses stay consistent and related markets move together.
import { dayMs, weekdayOfEpochDay } from './hours';
import { hashKeys, inverseNormal, unitFromUint32 } from './random';
import type { WeeklyWeights } from './seasonality';

export interface LatentSpec {
  /** Position in the registry: part of cache keys. */
  readonly index: number;
  readonly id: string;
  readonly seed: number;
  /** Annualised volatility of the series' log level. */
  readonly annualVol: number;
  /** Fraction of the gap to the target closed per day: keeps FX plausible over a decade. */
  readonly meanReversionPerDay: number;
  /** Target log level at the reference date (0 for factors). */
  readonly targetLog: number;
  /** Drift of the target per year (equity growth, high-inflation currencies). */
  readonly trendPerYear: number;
  /** Intraday variance shape under the series' trading hours. */
  readonly weights: WeeklyWeights;
}

/** The series start a year before the data does, so 2015 already looks settled. */
export const anchorEpochDay = Date.UTC(2014, 0, 1) / dayMs;
/** Target levels are given as of this date. */
const referenceEpochDay = Date.UTC(2024, 0, 1) / dayMs;
/** Trends apply between these years only, so far-future prices stay on the integer grid. */
const trendFromYears = -10;
const trendToYears = 6;
const daysPerYear = 365.25;
const weeksPerYear = daysPerYear / 7;
/** Log-volatility of daily volatility: AR(1) persistence and stationary deviation. */
const volPersistence = 0.985;
const volOfVol = 0.32;
/** Fat-tailed daily shocks: a normal scaled by a log-normal with unit second moment. */
const shockMixture = 0.35;
/** Daily series never extend beyond this, to bound memory on absurd queries. */
export const maxSeriesDays = 100 * 366;

export interface DailySeries {
  /** Log level at the end of each day (index = days since the anchor). */
  level: Float64Array;
  /** Volatility multiplier of each day (E[m^2] = 1). */
  volMultiplier: Float64Array;
  length: number;
  /** Log-volatility state after the last computed day. */
  logVolState: number;
}

const seriesByLatent = new Map<number, DailySeries>();

/** Variance of one weight unit: the year's variance spread over the year's weights. */
export function varianceUnit(latent: LatentSpec): number {
  return (latent.annualVol * latent.annualVol) / (weeksPerYear * latent.weights.weekTotal);
}

export function targetLevel(latent: LatentSpec, epochDay: number): number {
  const years = (epochDay - referenceEpochDay) / daysPerYear;
  const clamped = Math.min(trendToYears, Math.max(trendFromYears, years));
  return latent.targetLog + latent.trendPerYear * clamped;
}

function normalAt(seed: number, day: number, stream: number): number {
  return inverseNormal(unitFromUint32(hashKeys(seed, day, stream)));
}

function grow(series: DailySeries, needed: number): void {
  if (needed <= series.level.length) return;
  const capacity = Math.min(maxSeriesDays, Math.max(needed, series.level.length * 2));
  const level = new Float64Array(capacity);
  const volMultiplier = new Float64Array(capacity);
  level.set(series.level.subarray(0, series.length));
  volMultiplier.set(series.volMultiplier.subarray(0, series.length));
  series.level = level;
  series.volMultiplier = volMultiplier;
}

function extend(latent: LatentSpec, series: DailySeries, untilDay: number): void {
  grow(series, untilDay + 1);
  const unit = varianceUnit(latent);
  const innovationScale = Math.sqrt(1 - volPersistence * volPersistence) * volOfVol;
  for (let day = series.length; day <= untilDay; day++) {
    const epochDay = anchorEpochDay + day;
    const previous = day === 0 ? targetLevel(latent, epochDay) : series.level[day - 1];
    const logVol =
      volPersistence * series.logVolState + innovationScale * normalAt(latent.seed, day, 1);
    series.logVolState = logVol;
    const volMultiplier = Math.exp(logVol - volOfVol * volOfVol);
    const mixture = shockMixture * normalAt(latent.seed, day, 2) - shockMixture * shockMixture;
    const shock = normalAt(latent.seed, day, 3) * Math.exp(mixture);
    const dayVariance = unit * latent.weights.dayTotals[weekdayOfEpochDay(epochDay)];
    const reversion = latent.meanReversionPerDay * (targetLevel(latent, epochDay) - previous);
    series.level[day] = previous + reversion + Math.sqrt(dayVariance) * volMultiplier * shock;
    series.volMultiplier[day] = volMultiplier;
  }
  series.length = untilDay + 1;
}

/** The series of a latent, computed at least up to `day` (days since the anchor). */
export function dailySeries(latent: LatentSpec, day: number): DailySeries {
  let series = seriesByLatent.get(latent.index);
  if (!series) {
    series = {
      level: new Float64Array(0),
      volMultiplier: new Float64Array(0),
      length: 0,
      logVolState: volOfVol * normalAt(latent.seed, 0, 0),
    };
    seriesByLatent.set(latent.index, series);
  }
  if (day >= maxSeriesDays) throw new Error(`Market data is not generated beyond ${day} days`);
  if (day >= series.length) extend(latent, series, day);
  return series;
}

/** Log level at the start of a day: the previous day's close, or the target on the anchor day. */
export function dayOpenLevel(latent: LatentSpec, day: number): number {
  if (day === 0) return targetLevel(latent, anchorEpochDay);
  return dailySeries(latent, day - 1).level[day - 1];
}

export function clearDailyCaches(): void {
  seriesByLatent.clear();
}
