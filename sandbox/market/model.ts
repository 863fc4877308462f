// The generator's view of an instrument: which latent series its log price is made of, its
// price and quantity grids as integers, and the knobs for spread, tick rate and depth.
import type { Instrument, TradingHours } from '../../api/market';
import type { LatentSpec } from './daily';
import type { CompiledHours } from './hours';
import { compiledHoursOf } from './hours';
import { hashString } from './random';
import type { ProfileName } from './seasonality';
import { weeklyWeights } from './seasonality';

/** A decimal step as integers: a value on the grid is k * units / scale, scale = 10^decimals. */
export interface DecimalGrid {
  readonly step: number;
  readonly units: number;
  readonly decimals: number;
  readonly scale: number;
}

export function decimalGrid(step: number): DecimalGrid {
  const fixed = step.toFixed(12).replace(/0+$/, '');
  const decimals = fixed.length - fixed.indexOf('.') - 1;
  const scale = 10 ** decimals;
  const units = Math.round(step * scale);
  if (units <= 0 || Math.abs(units / scale - step) > 1e-12) {
    throw new Error(`Step ${step} is not a positive decimal with at most 12 places`);
  }
  return { step, units, decimals, scale };
}

/** k grid steps as a number; dividing exact integers prints as the short decimal in JSON. */
export function gridValue(grid: DecimalGrid, steps: number): number {
  return (steps * grid.units) / grid.scale;
}

export interface Exposure {
  readonly latent: LatentSpec;
  readonly weight: number;
}

export interface InstrumentModel {
  readonly instrument: Instrument;
  /** Position in the universe: part of cache keys. */
  readonly index: number;
  readonly seed: number;
  /** log(price) = logOffset + sum of weight * latent level. */
  readonly exposures: readonly Exposure[];
  readonly logOffset: number;
  readonly price: DecimalGrid;
  readonly quantity: DecimalGrid;
  readonly hours: CompiledHours;
  /** Typical bid-ask spread in basis points of price in busy, calm hours. */
  readonly spreadBps: number;
  /** Typical ticks per minute at average activity. */
  readonly ticksPerMinute: number;
  /** Median quantity shown at the top of each side of the book. */
  readonly depthQuantity: number;
  /** Forex widens around the 22:00 UTC daily rollover. */
  readonly rolloverWidening: boolean;
}

const latentRegistry: LatentSpec[] = [];

export interface LatentDefinition {
  readonly id: string;
  readonly annualVol: number;
  readonly meanReversionPerDay: number;
  readonly targetLog: number;
  readonly trendPerYear: number;
  readonly profile: ProfileName;
  readonly hours: TradingHours;
}

/** Registers a latent series; ids must be unique because they seed the series. */
export function defineLatent(definition: LatentDefinition): LatentSpec {
  if (latentRegistry.some((latent) => latent.id === definition.id)) {
    throw new Error(`Latent series "${definition.id}" is defined twice`);
  }
  const compiled = compiledHoursOf(definition.hours);
  const latent: LatentSpec = {
    index: latentRegistry.length,
    id: definition.id,
    seed: hashString(`latent:${definition.id}`),
    annualVol: definition.annualVol,
    meanReversionPerDay: definition.meanReversionPerDay,
    targetLog: definition.targetLog,
    trendPerYear: definition.trendPerYear,
    weights: weeklyWeights(definition.profile, JSON.stringify(definition.hours.sessions), compiled),
  };
  latentRegistry.push(latent);
  return latent;
}

/** Sums exposures by latent, dropping those that cancel (e.g. the dollar factor in a cross). */
export function combineExposures(
  ...parts: { readonly exposures: readonly Exposure[]; readonly sign: number }[]
): Exposure[] {
  const weights = new Map<LatentSpec, number>();
  for (const part of parts) {
    for (const { latent, weight } of part.exposures) {
      weights.set(latent, (weights.get(latent) ?? 0) + part.sign * weight);
    }
  }
  return [...weights]
    .filter(([, weight]) => Math.abs(weight) > 1e-9)
    .map(([latent, weight]) => ({ latent, weight }));
}

/** Own volatility left once factor exposures are accounted for, floored so no series is inert. */
export function residualVol(totalVol: number, factorVariance: number): number {
  return Math.sqrt(Math.max(totalVol * totalVol - factorVariance, (0.3 * totalVol) ** 2));
}
