// Builds the instrument universe: forex pairs from the currency list (every pair involving a
// G10 currency, plus crosses within a region), precious metals against several currencies,
// the dollar index as its real basket, and index and commodity CFDs.
import type { Instrument } from '../../api/market';
import type { AssetSpec, MetalSpec } from './assets';
import { commodityAssets, indexAssets, preciousMetals } from './assets';
import type { CurrencySpec } from './currencies';
import { baseOrder, currencies, currencyByCode, leadingBases } from './currencies';
import { factorExposures, factorVariance } from './factors';
import { compiledHoursOf } from './hours';
import { streamSlots } from './latent-day';
import type { Exposure, InstrumentModel } from './model';
import { combineExposures, decimalGrid, defineLatent, residualVol } from './model';
import { hashString } from './random';
import { forexHours, globexHours } from './trading-hours';

/** How a currency's own series behaves: floating currencies drift back within a few years. */
const floatingReversion = 1 / 500;
const pegReversion = 1 / 15;

const currencyExposures = new Map<string, readonly Exposure[]>();

function exposuresOfCurrency(currency: CurrencySpec): readonly Exposure[] {
  const known = currencyExposures.get(currency.code);
  if (known) return known;
  let exposures: readonly Exposure[] = [];
  if (currency.code !== 'USD') {
    const loadings = currency.factors ?? {};
    const anchor = currency.peg === 'EUR' ? exposuresOfCurrency(currencyByCode('EUR')!) : [];
    const anchorUsd = currency.peg === 'EUR' ? currencyByCode('EUR')!.usd : 1;
    const own = defineLatent({
      id: `currency:${currency.code}`,
      annualVol: currency.peg ? currency.vol : residualVol(currency.vol, factorVariance(loadings)),
      meanReversionPerDay: currency.peg ? pegReversion : floatingReversion,
      targetLog: Math.log(currency.usd / anchorUsd),
      trendPerYear: currency.trend ?? 0,
      profile: currency.group === 'asia' || currency.code === 'JPY' ? 'fxAsia' : 'fx',
      hours: forexHours,
    });
    exposures = combineExposures(
      { exposures: anchor, sign: 1 },
      { exposures: [{ latent: own, weight: 1 }, ...factorExposures(loadings)], sign: 1 },
    );
  }
  currencyExposures.set(currency.code, exposures);
  return exposures;
}

function pairBaseFirst(a: CurrencySpec, b: CurrencySpec): boolean {
  const rankA = baseOrder.indexOf(a.code);
  const rankB = baseOrder.indexOf(b.code);
  if (rankA >= 0 && rankB >= 0) return rankA < rankB;
  if (rankA >= 0 && rankA < leadingBases) return true;
  if (rankB >= 0 && rankB < leadingBases) return false;
  return a.usd >= b.usd;
}

/** Five decimals for prices near 1, fewer as prices grow (USDJPY 0.001, USDKRW 0.01). */
function tickForPrice(price: number): number {
  if (price < 50) return 0.00001;
  if (price < 500) return 0.001;
  if (price < 5000) return 0.01;
  if (price < 50000) return 0.1;
  return 1;
}

interface ModelInput {
  readonly instrument: Instrument;
  readonly exposures: readonly Exposure[];
  readonly logOffset: number;
  readonly referencePrice: number;
  readonly spreadBps: number;
  /** 0..1: drives tick rate and depth. */
  readonly activity: number;
  readonly rolloverWidening: boolean;
}

const models: InstrumentModel[] = [];

function addModel(input: ModelInput): void {
  const { instrument } = input;
  if (input.exposures.length > streamSlots) {
    throw new Error(`${instrument.symbol} loads on more latent series than bulk scans can hold`);
  }
  const quantity = decimalGrid(instrument.quantity_step);
  const usdPerQuote = currencyByCode(instrument.quote_currency)?.usd ?? 1;
  const depthUsd = 150_000 + 4_000_000 * input.activity;
  const depthUnits = depthUsd / (input.referencePrice * usdPerQuote);
  models.push({
    instrument,
    index: models.length,
    seed: hashString(`instrument:${instrument.symbol}`),
    exposures: input.exposures,
    logOffset: input.logOffset,
    price: decimalGrid(instrument.tick_size),
    quantity,
    hours: compiledHoursOf(instrument.trading_hours),
    spreadBps: input.spreadBps,
    ticksPerMinute: 4 + 70 * input.activity ** 0.6,
    depthQuantity: Math.max(instrument.min_quantity, depthUnits),
    rolloverWidening: input.rolloverWidening,
  });
}

function marginRateOfPair(a: CurrencySpec, b: CurrencySpec): number {
  if (a.tier === 'major' && b.tier === 'major') return 0.0333;
  if (a.tier !== 'exotic' && b.tier !== 'exotic') return 0.05;
  return 0.1;
}

function commissionOfPair(a: CurrencySpec, b: CurrencySpec): number {
  if (a.tier === 'major' && b.tier === 'major') return 0.00002;
  if (a.tier !== 'exotic' && b.tier !== 'exotic') return 0.00003;
  return 0.00005;
}

function addForexPair(base: CurrencySpec, quote: CurrencySpec): void {
  const price = base.usd / quote.usd;
  const involvesDollar = base.code === 'USD' || quote.code === 'USD';
  const crossPenalty = involvesDollar ? 1 : 1.3;
  addModel({
    instrument: {
      symbol: `${base.code}${quote.code}`,
      kind: 'forex',
      description: `${base.name} / ${quote.name}`,
      quote_currency: quote.code,
      base: base.code,
      tick_size: tickForPrice(price),
      min_quantity: 1000,
      quantity_step: 1,
      margin_rate: marginRateOfPair(base, quote),
      commission_rate: commissionOfPair(base, quote),
      trading_hours: forexHours,
    },
    exposures: combineExposures(
      { exposures: exposuresOfCurrency(base), sign: 1 },
      { exposures: exposuresOfCurrency(quote), sign: -1 },
    ),
    logOffset: 0,
    referencePrice: price,
    spreadBps: Math.hypot(base.spreadBps, quote.spreadBps) * crossPenalty,
    activity: (base.liquidity * quote.liquidity) / crossPenalty,
    rolloverWidening: true,
  });
}

function addForexPairs(): void {
  for (let i = 0; i < currencies.length; i++) {
    for (let j = i + 1; j < currencies.length; j++) {
      const a = currencies[i];
      const b = currencies[j];
      if (a.group !== 'g10' && b.group !== 'g10' && a.group !== b.group) continue;
      if (pairBaseFirst(a, b)) addForexPair(a, b);
      else addForexPair(b, a);
    }
  }
}

function addMetal(metal: MetalSpec): void {
  const own = defineLatent({
    id: `metal:${metal.code}`,
    annualVol: residualVol(metal.vol, factorVariance(metal.factors)),
    meanReversionPerDay: 1 / 900,
    targetLog: Math.log(metal.usd),
    trendPerYear: metal.trend,
    profile: 'commodity',
    hours: globexHours,
  });
  const metalExposures = [{ latent: own, weight: 1 }, ...factorExposures(metal.factors)];
  for (const quoteCode of metal.quotes) {
    const quote = currencyByCode(quoteCode)!;
    const price = metal.usd / quote.usd;
    addModel({
      instrument: {
        symbol: `${metal.code}${quote.code}`,
        kind: 'commodity',
        description: `${metal.name} / ${quote.name}, spot per troy ounce`,
        quote_currency: quote.code,
        base: 'troy ounce',
        tick_size: price < 50 ? 0.001 : price < 50000 ? 0.01 : 1,
        min_quantity: metal.minQuantity,
        quantity_step: metal.quantityStep,
        margin_rate: metal.marginRate,
        commission_rate: 0.00005,
        trading_hours: globexHours,
      },
      exposures: combineExposures(
        { exposures: metalExposures, sign: 1 },
        { exposures: exposuresOfCurrency(quote), sign: -1 },
      ),
      logOffset: 0,
      referencePrice: price,
      spreadBps: metal.spreadBps * (quote.code === 'USD' ? 1 : 1.5),
      activity: metal.liquidity * (quote.code === 'USD' ? 1 : 0.4),
      rolloverWidening: true,
    });
  }
}

function addAsset(asset: AssetSpec): void {
  const own = defineLatent({
    id: `asset:${asset.symbol}`,
    annualVol: residualVol(asset.vol, factorVariance(asset.factors)),
    meanReversionPerDay: asset.reversion,
    targetLog: Math.log(asset.level),
    trendPerYear: asset.trend ?? 0,
    profile: asset.profile,
    hours: asset.hours,
  });
  addModel({
    instrument: {
      symbol: asset.symbol,
      kind: asset.kind,
      description: asset.description,
      quote_currency: asset.quote,
      base: asset.unit,
      tick_size: asset.tick,
      min_quantity: asset.minQuantity,
      quantity_step: asset.quantityStep,
      margin_rate: asset.marginRate,
      commission_rate: asset.kind === 'index' ? 0.00005 : 0.0001,
      trading_hours: asset.hours,
    },
    exposures: [{ latent: own, weight: 1 }, ...factorExposures(asset.factors)],
    logOffset: 0,
    referencePrice: asset.level,
    spreadBps: asset.spreadBps,
    activity: asset.liquidity,
    rolloverWidening: false,
  });
}

/** ICE's US Dollar Index: a fixed geometric basket of six dollar pairs. */
function addDollarIndex(): void {
  const basket: [code: string, weight: number][] = [
    ['EUR', 0.576],
    ['JPY', 0.136],
    ['GBP', 0.119],
    ['CAD', 0.091],
    ['SEK', 0.042],
    ['CHF', 0.036],
  ];
  const parts = basket.map(([code, weight]) => ({
    exposures: exposuresOfCurrency(currencyByCode(code)!),
    sign: -weight,
  }));
  const logOffset = Math.log(50.14348112);
  const level = Math.exp(
    logOffset - basket.reduce((sum, [code, w]) => sum + w * Math.log(currencyByCode(code)!.usd), 0),
  );
  addModel({
    instrument: {
      symbol: 'USDX',
      kind: 'index',
      description: 'US Dollar Index (DXY basket of six currencies)',
      quote_currency: 'USD',
      base: 'index point',
      tick_size: 0.001,
      min_quantity: 1,
      quantity_step: 1,
      margin_rate: 0.05,
      commission_rate: 0.00005,
      trading_hours: forexHours,
    },
    exposures: combineExposures(...parts),
    logOffset,
    referencePrice: level,
    spreadBps: 1.5,
    activity: 0.3,
    rolloverWidening: true,
  });
}

addForexPairs();
preciousMetals.forEach(addMetal);
addDollarIndex();
indexAssets.forEach(addAsset);
commodityAssets.forEach(addAsset);

/** Every instrument's model, in universe order. */
export const instrumentModels: readonly InstrumentModel[] = models;
