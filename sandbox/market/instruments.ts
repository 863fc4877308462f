// The sandbox's instrument universe as the contract describes it, and how to turn an amount
// in any quote currency into US dollars.
import type { Instrument } from '../../api/market';
import type { InstrumentModel } from './model';
import { instrumentModels } from './universe';

export const instruments: readonly Instrument[] = instrumentModels.map((model) => model.instrument);

const modelBySymbol = new Map(instrumentModels.map((model) => [model.instrument.symbol, model]));

export function instrumentBySymbol(symbol: string): Instrument | undefined {
  return modelBySymbol.get(symbol)?.instrument;
}

/** The generator's model of an instrument from this universe. */
export function modelOf(instrument: Instrument): InstrumentModel {
  const model = modelBySymbol.get(instrument.symbol);
  if (!model) {
    throw new Error(
      `No market data for "${instrument.symbol}": use an instrument from the sandbox universe`,
    );
  }
  return model;
}

/**
 * How to value one unit of a currency in US dollars: `multiply` by the named pair's price
 * (GBP: GBPUSD), `divide` by it (JPY: 1 / USDJPY), or nothing for the dollar itself.
 */
export type UsdConversion =
  | { readonly type: 'identity' }
  | { readonly type: 'multiply'; readonly symbol: string }
  | { readonly type: 'divide'; readonly symbol: string };

/** The conversion for a currency code, or undefined if the universe cannot price it. */
export function usdConversion(currency: string): UsdConversion | undefined {
  if (currency === 'USD') return { type: 'identity' };
  if (modelBySymbol.has(`${currency}USD`)) return { type: 'multiply', symbol: `${currency}USD` };
  if (modelBySymbol.has(`USD${currency}`)) return { type: 'divide', symbol: `USD${currency}` };
  return undefined;
}
