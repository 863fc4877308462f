// Shared factors: latent series that several instruments load on, so that (say) EURUSD and
// GBPUSD, or US500 and DE40, move together as they do in real markets.
import type { LatentSpec } from './daily';
import type { Exposure } from './model';
import { defineLatent } from './model';
import type { ProfileName } from './seasonality';
import {
  cottonHours,
  europeIndexHours,
  forexHours,
  globexHours,
  grainHours,
  livestockHours,
} from './trading-hours';
import type { TradingHours } from '../../api/market';

export type FactorName =
  | 'dollar'
  | 'europe'
  | 'commodityFx'
  | 'asiaFx'
  | 'haven'
  | 'equityGlobal'
  | 'equityEurope'
  | 'equityAsia'
  | 'tech'
  | 'precious'
  | 'energy'
  | 'industrial'
  | 'grains'
  | 'softs'
  | 'livestock';

const factorShapes: Record<FactorName, { vol: number; profile: ProfileName; hours: TradingHours }> =
  {
    dollar: { vol: 0.05, profile: 'fx', hours: forexHours },
    europe: { vol: 0.04, profile: 'fx', hours: forexHours },
    commodityFx: { vol: 0.07, profile: 'fxAsia', hours: forexHours },
    asiaFx: { vol: 0.03, profile: 'fxAsia', hours: forexHours },
    haven: { vol: 0.05, profile: 'fx', hours: forexHours },
    equityGlobal: { vol: 0.12, profile: 'usEquity', hours: globexHours },
    equityEurope: { vol: 0.08, profile: 'europeEquity', hours: europeIndexHours },
    equityAsia: { vol: 0.1, profile: 'asiaEquity', hours: globexHours },
    tech: { vol: 0.1, profile: 'usEquity', hours: globexHours },
    precious: { vol: 0.1, profile: 'commodity', hours: globexHours },
    energy: { vol: 0.3, profile: 'commodity', hours: globexHours },
    industrial: { vol: 0.12, profile: 'commodity', hours: globexHours },
    grains: { vol: 0.14, profile: 'agri', hours: grainHours },
    softs: { vol: 0.1, profile: 'agri', hours: cottonHours },
    livestock: { vol: 0.08, profile: 'agri', hours: livestockHours },
  };

/** Factors wander around zero and come back within a few years. */
const factorMeanReversionPerDay = 1 / 750;

const factorLatents = new Map<FactorName, LatentSpec>();

function factorLatent(name: FactorName): LatentSpec {
  let latent = factorLatents.get(name);
  if (!latent) {
    const shape = factorShapes[name];
    latent = defineLatent({
      id: `factor:${name}`,
      annualVol: shape.vol,
      meanReversionPerDay: factorMeanReversionPerDay,
      targetLog: 0,
      trendPerYear: 0,
      profile: shape.profile,
      hours: shape.hours,
    });
    factorLatents.set(name, latent);
  }
  return latent;
}

export type FactorLoadings = Partial<Record<FactorName, number>>;

export function factorExposures(loadings: FactorLoadings): Exposure[] {
  return Object.entries(loadings).map(([name, weight]) => ({
    latent: factorLatent(name as FactorName),
    weight,
  }));
}

/** Variance the factors contribute at the given loadings (factors are independent). */
export function factorVariance(loadings: FactorLoadings): number {
  let variance = 0;
  for (const [name, weight] of Object.entries(loadings)) {
    variance += (weight * factorShapes[name as FactorName].vol) ** 2;
  }
  return variance;
}
