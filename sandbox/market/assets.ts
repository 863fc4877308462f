// Index and commodity CFDs, with levels as of early 2024 and trends that take them back to
// plausible 2015 levels. Precious metals are modelled like currencies (XAU's value in dollars)
// so that gold in euros is gold in dollars over EURUSD.
import type { TradingHours } from '../../api/market';
import type { FactorLoadings } from './factors';
import type { ProfileName } from './seasonality';
import {
  australiaIndexHours,
  chinaIndexHours,
  cocoaHours,
  coffeeHours,
  cottonHours,
  europeIndexHours,
  globexHours,
  grainHours,
  hongKongIndexHours,
  indiaIndexHours,
  livestockHours,
  lmeMetalHours,
  orangeJuiceHours,
  southAfricaIndexHours,
  sugarHours,
} from './trading-hours';

export interface AssetSpec {
  readonly symbol: string;
  readonly kind: 'index' | 'commodity';
  readonly description: string;
  readonly quote: string;
  /** The underlying's unit, e.g. "index point", "barrel". */
  readonly unit: string;
  readonly level: number;
  readonly vol: number;
  readonly trend?: number;
  /** Daily pull toward the trend line; commodities revert faster than equity indices. */
  readonly reversion: number;
  readonly tick: number;
  readonly minQuantity: number;
  readonly quantityStep: number;
  readonly hours: TradingHours;
  readonly profile: ProfileName;
  readonly factors: FactorLoadings;
  readonly spreadBps: number;
  readonly liquidity: number;
  readonly marginRate: number;
}

type IndexRow = [
  symbol: string,
  description: string,
  quote: string,
  level: number,
  vol: number,
  trend: number,
  tick: number,
  hours: TradingHours,
  profile: ProfileName,
  factors: FactorLoadings,
  spreadBps: number,
  liquidity: number,
  minQuantity?: number,
];

// prettier-ignore
const indexRows: IndexRow[] = [
  ['US500', 'US 500 (S&P 500 index)', 'USD', 4770, 0.16, 0.08, 0.1, globexHours, 'usEquity', { equityGlobal: 1 }, 0.8, 1],
  ['US30', 'US 30 (Dow Jones Industrial Average)', 'USD', 37700, 0.15, 0.07, 1, globexHours, 'usEquity', { equityGlobal: 0.9 }, 0.6, 0.8],
  ['NAS100', 'US Tech 100 (Nasdaq 100 index)', 'USD', 16800, 0.21, 0.13, 0.1, globexHours, 'usEquity', { equityGlobal: 1.05, tech: 1 }, 0.7, 0.95],
  ['US2000', 'US Small Cap 2000 (Russell 2000 index)', 'USD', 2020, 0.21, 0.04, 0.1, globexHours, 'usEquity', { equityGlobal: 1.1 }, 2, 0.5],
  ['CA60', 'Canada 60 (S&P/TSX 60 index)', 'CAD', 1260, 0.13, 0.05, 0.1, globexHours, 'usEquity', { equityGlobal: 0.8 }, 3, 0.25],
  ['DE40', 'Germany 40 (DAX index)', 'EUR', 16700, 0.18, 0.06, 0.1, europeIndexHours, 'europeEquity', { equityGlobal: 0.7, equityEurope: 1 }, 0.7, 0.85],
  ['UK100', 'UK 100 (FTSE 100 index)', 'GBP', 7700, 0.14, 0.02, 0.1, europeIndexHours, 'europeEquity', { equityGlobal: 0.55, equityEurope: 0.8 }, 1.3, 0.7],
  ['FRA40', 'France 40 (CAC 40 index)', 'EUR', 7550, 0.17, 0.05, 0.1, europeIndexHours, 'europeEquity', { equityGlobal: 0.7, equityEurope: 1 }, 1.3, 0.6],
  ['EU50', 'Euro Stocks 50 (Euro Stoxx 50 index)', 'EUR', 4520, 0.17, 0.04, 0.1, europeIndexHours, 'europeEquity', { equityGlobal: 0.7, equityEurope: 1 }, 1.5, 0.6],
  ['ES35', 'Spain 35 (IBEX 35 index)', 'EUR', 10100, 0.18, 0.01, 1, europeIndexHours, 'europeEquity', { equityGlobal: 0.6, equityEurope: 0.95 }, 5, 0.35],
  ['IT40', 'Italy 40 (FTSE MIB index)', 'EUR', 30300, 0.2, 0.04, 1, europeIndexHours, 'europeEquity', { equityGlobal: 0.65, equityEurope: 1.05 }, 3, 0.35],
  ['NL25', 'Netherlands 25 (AEX index)', 'EUR', 790, 0.16, 0.06, 0.01, europeIndexHours, 'europeEquity', { equityGlobal: 0.7, equityEurope: 0.9 }, 2.5, 0.3, 1],
  ['CH20', 'Switzerland 20 (SMI index)', 'CHF', 11200, 0.13, 0.02, 1, europeIndexHours, 'europeEquity', { equityGlobal: 0.5, equityEurope: 0.7 }, 2.5, 0.35],
  ['SE30', 'Sweden 30 (OMX Stockholm 30 index)', 'SEK', 2400, 0.17, 0.05, 0.1, europeIndexHours, 'europeEquity', { equityGlobal: 0.6, equityEurope: 0.9 }, 4, 0.2],
  ['ZA40', 'South Africa 40 (FTSE/JSE Top 40 index)', 'ZAR', 68000, 0.18, 0.06, 1, southAfricaIndexHours, 'europeEquity', { equityGlobal: 0.5 }, 6, 0.15, 1],
  ['JP225', 'Japan 225 (Nikkei 225 index)', 'JPY', 33500, 0.2, 0.08, 1, globexHours, 'asiaEquity', { equityGlobal: 0.6, equityAsia: 1 }, 2.4, 0.7, 1],
  ['HK50', 'Hong Kong 50 (Hang Seng index)', 'HKD', 16800, 0.23, -0.03, 1, hongKongIndexHours, 'asiaEquity', { equityGlobal: 0.5, equityAsia: 1.1 }, 4, 0.5, 1],
  ['CN50', 'China A50 (FTSE China A50 index)', 'USD', 11900, 0.22, 0, 1, chinaIndexHours, 'asiaEquity', { equityAsia: 1 }, 6, 0.35],
  ['AUS200', 'Australia 200 (S&P/ASX 200 index)', 'AUD', 7550, 0.14, 0.03, 0.1, australiaIndexHours, 'asiaEquity', { equityGlobal: 0.5, equityAsia: 0.6 }, 1.3, 0.5],
  ['IN50', 'India 50 (Nifty 50 index)', 'INR', 21700, 0.16, 0.11, 0.1, indiaIndexHours, 'asiaEquity', { equityGlobal: 0.3, equityAsia: 0.4 }, 3, 0.3, 1],
];

type CommodityRow = [
  symbol: string,
  description: string,
  unit: string,
  level: number,
  vol: number,
  tick: number,
  minQuantity: number,
  quantityStep: number,
  hours: TradingHours,
  profile: ProfileName,
  factors: FactorLoadings,
  spreadBps: number,
  liquidity: number,
];

// prettier-ignore
const commodityRows: CommodityRow[] = [
  ['USOIL', 'US Crude Oil (WTI), US dollars per barrel', 'barrel', 75, 0.35, 0.01, 10, 1, globexHours, 'commodity', { energy: 1 }, 4, 0.8],
  ['UKOIL', 'Brent Crude Oil, US dollars per barrel', 'barrel', 80, 0.33, 0.01, 10, 1, globexHours, 'commodity', { energy: 1 }, 4, 0.7],
  ['NATGAS', 'US Natural Gas (Henry Hub), US dollars per MMBtu', 'MMBtu', 2.6, 0.55, 0.001, 1000, 100, globexHours, 'commodity', { energy: 0.3 }, 15, 0.45],
  ['GASOLINE', 'RBOB Gasoline, US dollars per gallon', 'gallon', 2.25, 0.35, 0.0001, 1000, 100, globexHours, 'commodity', { energy: 0.9 }, 10, 0.25],
  ['HEATOIL', 'Heating Oil (ULSD), US dollars per gallon', 'gallon', 2.7, 0.33, 0.0001, 1000, 100, globexHours, 'commodity', { energy: 0.85 }, 10, 0.25],
  ['COPPER', 'Copper, US dollars per pound', 'pound', 3.85, 0.22, 0.0005, 1000, 100, globexHours, 'commodity', { industrial: 1 }, 6, 0.5],
  ['ALUMINIUM', 'Aluminium, US dollars per metric ton', 'metric ton', 2250, 0.2, 0.5, 1, 0.1, lmeMetalHours, 'commodity', { industrial: 0.8 }, 10, 0.2],
  ['ZINC', 'Zinc, US dollars per metric ton', 'metric ton', 2550, 0.24, 0.5, 1, 0.1, lmeMetalHours, 'commodity', { industrial: 0.9 }, 12, 0.15],
  ['NICKEL', 'Nickel, US dollars per metric ton', 'metric ton', 16500, 0.3, 5, 0.1, 0.1, lmeMetalHours, 'commodity', { industrial: 1 }, 15, 0.15],
  ['LEAD', 'Lead, US dollars per metric ton', 'metric ton', 2100, 0.2, 0.5, 1, 0.1, lmeMetalHours, 'commodity', { industrial: 0.7 }, 15, 0.1],
  ['CORN', 'Corn, US dollars per bushel', 'bushel', 4.7, 0.25, 0.0025, 100, 10, grainHours, 'agri', { grains: 1 }, 12, 0.3],
  ['WHEAT', 'Wheat (Chicago SRW), US dollars per bushel', 'bushel', 6.1, 0.3, 0.0025, 100, 10, grainHours, 'agri', { grains: 0.8 }, 12, 0.25],
  ['SOYBEAN', 'Soybeans, US dollars per bushel', 'bushel', 13, 0.2, 0.0025, 100, 10, grainHours, 'agri', { grains: 0.7 }, 8, 0.25],
  ['SOYMEAL', 'Soybean Meal, US dollars per short ton', 'short ton', 380, 0.25, 0.1, 1, 1, grainHours, 'agri', { grains: 0.6 }, 12, 0.12],
  ['SOYOIL', 'Soybean Oil, US dollars per pound', 'pound', 0.48, 0.28, 0.0001, 1000, 100, grainHours, 'agri', { grains: 0.5, energy: 0.2 }, 15, 0.12],
  ['OATS', 'Oats, US dollars per bushel', 'bushel', 3.8, 0.3, 0.0025, 100, 10, grainHours, 'agri', { grains: 0.6 }, 25, 0.05],
  ['COFFEE', 'Coffee (Arabica), US dollars per pound', 'pound', 1.9, 0.32, 0.0005, 1000, 100, coffeeHours, 'agri', { softs: 1 }, 15, 0.2],
  ['SUGAR', 'Sugar No. 11, US dollars per pound', 'pound', 0.22, 0.3, 0.0001, 10000, 1000, sugarHours, 'agri', { softs: 0.8 }, 20, 0.2],
  ['COCOA', 'Cocoa, US dollars per metric ton', 'metric ton', 4200, 0.3, 1, 1, 0.1, cocoaHours, 'agri', { softs: 0.6 }, 15, 0.15],
  ['COTTON', 'Cotton No. 2, US dollars per pound', 'pound', 0.8, 0.22, 0.0001, 1000, 100, cottonHours, 'agri', { softs: 0.5 }, 15, 0.12],
  ['OJ', 'Orange Juice (FCOJ-A), US dollars per pound', 'pound', 3, 0.35, 0.0005, 1000, 100, orangeJuiceHours, 'agri', { softs: 0.3 }, 30, 0.05],
  ['CATTLE', 'Live Cattle, US dollars per pound', 'pound', 1.7, 0.15, 0.00025, 1000, 100, livestockHours, 'agri', { livestock: 1 }, 10, 0.1],
  ['HOGS', 'Lean Hogs, US dollars per pound', 'pound', 0.7, 0.25, 0.00025, 1000, 100, livestockHours, 'agri', { livestock: 0.6 }, 20, 0.08],
];

export const indexAssets: readonly AssetSpec[] = indexRows.map(
  ([
    symbol,
    description,
    quote,
    level,
    vol,
    trend,
    tick,
    hours,
    profile,
    factors,
    spreadBps,
    liquidity,
    minQuantity,
  ]) => ({
    symbol,
    kind: 'index',
    description,
    quote,
    unit: 'index point',
    level,
    vol,
    trend,
    reversion: 1 / 1200,
    tick,
    minQuantity: minQuantity ?? 0.1,
    quantityStep: minQuantity ?? 0.1,
    hours,
    profile,
    factors,
    spreadBps,
    liquidity,
    marginRate: 0.05,
  }),
);

export const commodityAssets: readonly AssetSpec[] = commodityRows.map(
  ([
    symbol,
    description,
    unit,
    level,
    vol,
    tick,
    minQuantity,
    quantityStep,
    hours,
    profile,
    factors,
    spreadBps,
    liquidity,
  ]) => ({
    symbol,
    kind: 'commodity',
    description,
    quote: 'USD',
    unit,
    level,
    vol,
    reversion: 1 / 400,
    tick,
    minQuantity,
    quantityStep,
    hours,
    profile,
    factors,
    spreadBps,
    liquidity,
    marginRate: 0.1,
  }),
);

export interface MetalSpec {
  readonly code: string;
  readonly name: string;
  /** US dollars per troy ounce at the reference date. */
  readonly usd: number;
  readonly vol: number;
  readonly trend: number;
  readonly factors: FactorLoadings;
  readonly spreadBps: number;
  readonly liquidity: number;
  readonly minQuantity: number;
  readonly quantityStep: number;
  readonly marginRate: number;
  /** Quote currencies it is listed against. */
  readonly quotes: readonly string[];
}

// prettier-ignore
export const preciousMetals: readonly MetalSpec[] = [
  { code: 'XAU', name: 'Gold', usd: 2050, vol: 0.14, trend: 0.06, factors: { dollar: 0.8, precious: 1 }, spreadBps: 1.5, liquidity: 0.85, minQuantity: 1, quantityStep: 0.01, marginRate: 0.05, quotes: ['USD', 'EUR', 'GBP', 'AUD', 'CHF', 'JPY'] },
  { code: 'XAG', name: 'Silver', usd: 23.5, vol: 0.25, trend: 0.04, factors: { dollar: 0.8, precious: 1.3, industrial: 0.4 }, spreadBps: 8, liquidity: 0.5, minQuantity: 50, quantityStep: 1, marginRate: 0.1, quotes: ['USD', 'EUR'] },
  { code: 'XPT', name: 'Platinum', usd: 950, vol: 0.25, trend: -0.02, factors: { dollar: 0.5, precious: 0.8, industrial: 0.6 }, spreadBps: 20, liquidity: 0.15, minQuantity: 1, quantityStep: 0.01, marginRate: 0.1, quotes: ['USD'] },
  { code: 'XPD', name: 'Palladium', usd: 1050, vol: 0.32, trend: 0, factors: { dollar: 0.4, precious: 0.7, industrial: 0.8 }, spreadBps: 40, liquidity: 0.1, minQuantity: 1, quantityStep: 0.01, marginRate: 0.1, quotes: ['USD'] },
];
