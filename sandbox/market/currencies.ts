// Currencies of the forex universe, with levels as of early 2024. Each is modelled by its value
// in US dollars: a latent series of its own plus loadings on shared factors; pairs are ratios,
// so EURJPY is exactly EURUSD x USDJPY at the generator's precision.
import type { FactorLoadings } from './factors';

export type CurrencyGroup = 'g10' | 'europe' | 'mea' | 'americas' | 'asia';
/** ESMA-style margin class: majors 30:1, other liquid currencies 20:1, exotics 10:1. */
export type CurrencyTier = 'major' | 'liquid' | 'exotic';

export interface CurrencySpec {
  readonly code: string;
  readonly name: string;
  /** US dollars per unit at the reference date. */
  readonly usd: number;
  /** Annualised volatility against the dollar. */
  readonly vol: number;
  /** Yearly log drift of its dollar value (negative: it depreciates). */
  readonly trend?: number;
  readonly factors?: FactorLoadings;
  /** Pegged currencies track their anchor with a tiny band. */
  readonly peg?: 'USD' | 'EUR';
  /** This currency's contribution to a pair's spread, in basis points. */
  readonly spreadBps: number;
  /** Market depth and activity, 1 for the dollar. */
  readonly liquidity: number;
  readonly tier: CurrencyTier;
  readonly group: CurrencyGroup;
}

const per = (unitsPerDollar: number): number => 1 / unitsPerDollar;

// prettier-ignore
export const currencies: readonly CurrencySpec[] = [
  { code: 'USD', name: 'US Dollar', usd: 1, vol: 0, spreadBps: 0.25, liquidity: 1, tier: 'major', group: 'g10' },
  { code: 'EUR', name: 'Euro', usd: 1.085, vol: 0.07, factors: { dollar: 1, europe: 1 }, spreadBps: 0.3, liquidity: 1, tier: 'major', group: 'g10' },
  { code: 'JPY', name: 'Japanese Yen', usd: per(148), vol: 0.09, factors: { dollar: 1, haven: 1, asiaFx: 0.3 }, spreadBps: 0.4, liquidity: 0.9, tier: 'major', group: 'g10' },
  { code: 'GBP', name: 'British Pound', usd: 1.27, vol: 0.08, factors: { dollar: 1, europe: 0.7 }, spreadBps: 0.55, liquidity: 0.85, tier: 'major', group: 'g10' },
  { code: 'CHF', name: 'Swiss Franc', usd: per(0.86), vol: 0.075, factors: { dollar: 1, europe: 0.8, haven: 0.6 }, spreadBps: 0.7, liquidity: 0.7, tier: 'major', group: 'g10' },
  { code: 'AUD', name: 'Australian Dollar', usd: 0.67, vol: 0.1, factors: { dollar: 1, commodityFx: 1, asiaFx: 0.3 }, spreadBps: 0.6, liquidity: 0.75, tier: 'major', group: 'g10' },
  { code: 'NZD', name: 'New Zealand Dollar', usd: 0.62, vol: 0.1, factors: { dollar: 1, commodityFx: 0.95, asiaFx: 0.3 }, spreadBps: 0.9, liquidity: 0.55, tier: 'major', group: 'g10' },
  { code: 'CAD', name: 'Canadian Dollar', usd: per(1.35), vol: 0.065, factors: { dollar: 0.8, commodityFx: 0.5 }, spreadBps: 0.6, liquidity: 0.7, tier: 'major', group: 'g10' },
  { code: 'SEK', name: 'Swedish Krona', usd: per(10.4), vol: 0.095, factors: { dollar: 1, europe: 1.1 }, spreadBps: 1.5, liquidity: 0.4, tier: 'liquid', group: 'g10' },
  { code: 'NOK', name: 'Norwegian Krone', usd: per(10.5), vol: 0.1, factors: { dollar: 1, europe: 0.8, commodityFx: 0.6 }, spreadBps: 1.6, liquidity: 0.4, tier: 'liquid', group: 'g10' },
  { code: 'DKK', name: 'Danish Krone', usd: 1.085 / 7.455, vol: 0.003, peg: 'EUR', spreadBps: 1.2, liquidity: 0.3, tier: 'liquid', group: 'europe' },
  { code: 'PLN', name: 'Polish Zloty', usd: per(4.0), vol: 0.1, factors: { dollar: 1, europe: 1.2 }, spreadBps: 3, liquidity: 0.3, tier: 'exotic', group: 'europe' },
  { code: 'CZK', name: 'Czech Koruna', usd: per(22.6), vol: 0.09, factors: { dollar: 1, europe: 1.1 }, spreadBps: 3.5, liquidity: 0.25, tier: 'exotic', group: 'europe' },
  { code: 'HUF', name: 'Hungarian Forint', usd: per(355), vol: 0.12, trend: -0.03, factors: { dollar: 1, europe: 1.3 }, spreadBps: 4, liquidity: 0.25, tier: 'exotic', group: 'europe' },
  { code: 'RON', name: 'Romanian Leu', usd: per(4.6), vol: 0.075, trend: -0.01, factors: { dollar: 1, europe: 1 }, spreadBps: 6, liquidity: 0.15, tier: 'exotic', group: 'europe' },
  { code: 'BGN', name: 'Bulgarian Lev', usd: 1.085 / 1.95583, vol: 0.002, peg: 'EUR', spreadBps: 8, liquidity: 0.08, tier: 'exotic', group: 'europe' },
  { code: 'ISK', name: 'Icelandic Krona', usd: per(137), vol: 0.09, factors: { dollar: 1, europe: 0.8 }, spreadBps: 12, liquidity: 0.08, tier: 'exotic', group: 'europe' },
  { code: 'TRY', name: 'Turkish Lira', usd: per(31), vol: 0.15, trend: -0.28, factors: { dollar: 0.6 }, spreadBps: 12, liquidity: 0.3, tier: 'exotic', group: 'mea' },
  { code: 'ZAR', name: 'South African Rand', usd: per(18.6), vol: 0.15, trend: -0.04, factors: { dollar: 1, commodityFx: 1.2 }, spreadBps: 6, liquidity: 0.35, tier: 'exotic', group: 'mea' },
  { code: 'ILS', name: 'Israeli Shekel', usd: per(3.65), vol: 0.08, factors: { dollar: 0.8 }, spreadBps: 5, liquidity: 0.2, tier: 'exotic', group: 'mea' },
  { code: 'AED', name: 'UAE Dirham', usd: per(3.6725), vol: 0.002, peg: 'USD', spreadBps: 4, liquidity: 0.15, tier: 'exotic', group: 'mea' },
  { code: 'SAR', name: 'Saudi Riyal', usd: per(3.75), vol: 0.002, peg: 'USD', spreadBps: 4, liquidity: 0.15, tier: 'exotic', group: 'mea' },
  { code: 'QAR', name: 'Qatari Riyal', usd: per(3.64), vol: 0.002, peg: 'USD', spreadBps: 6, liquidity: 0.08, tier: 'exotic', group: 'mea' },
  { code: 'EGP', name: 'Egyptian Pound', usd: per(30.9), vol: 0.12, trend: -0.13, factors: { dollar: 0.3 }, spreadBps: 40, liquidity: 0.05, tier: 'exotic', group: 'mea' },
  { code: 'KES', name: 'Kenyan Shilling', usd: per(155), vol: 0.08, trend: -0.06, factors: { dollar: 0.4 }, spreadBps: 40, liquidity: 0.05, tier: 'exotic', group: 'mea' },
  { code: 'NGN', name: 'Nigerian Naira', usd: per(900), vol: 0.15, trend: -0.16, factors: { dollar: 0.3 }, spreadBps: 60, liquidity: 0.04, tier: 'exotic', group: 'mea' },
  { code: 'MAD', name: 'Moroccan Dirham', usd: per(10), vol: 0.06, factors: { dollar: 0.7, europe: 0.6 }, spreadBps: 15, liquidity: 0.05, tier: 'exotic', group: 'mea' },
  { code: 'MXN', name: 'Mexican Peso', usd: per(17), vol: 0.13, factors: { dollar: 1, commodityFx: 1 }, spreadBps: 3, liquidity: 0.45, tier: 'exotic', group: 'americas' },
  { code: 'BRL', name: 'Brazilian Real', usd: per(4.9), vol: 0.15, trend: -0.04, factors: { dollar: 1, commodityFx: 1.1 }, spreadBps: 8, liquidity: 0.25, tier: 'exotic', group: 'americas' },
  { code: 'CLP', name: 'Chilean Peso', usd: per(900), vol: 0.12, trend: -0.03, factors: { dollar: 1, commodityFx: 1 }, spreadBps: 10, liquidity: 0.15, tier: 'exotic', group: 'americas' },
  { code: 'COP', name: 'Colombian Peso', usd: per(3920), vol: 0.14, trend: -0.04, factors: { dollar: 1, commodityFx: 1 }, spreadBps: 12, liquidity: 0.12, tier: 'exotic', group: 'americas' },
  { code: 'PEN', name: 'Peruvian Sol', usd: per(3.72), vol: 0.06, factors: { dollar: 0.6, commodityFx: 0.4 }, spreadBps: 10, liquidity: 0.08, tier: 'exotic', group: 'americas' },
  { code: 'SGD', name: 'Singapore Dollar', usd: per(1.33), vol: 0.05, factors: { dollar: 0.7, asiaFx: 0.8 }, spreadBps: 1.8, liquidity: 0.4, tier: 'liquid', group: 'asia' },
  { code: 'HKD', name: 'Hong Kong Dollar', usd: per(7.81), vol: 0.004, peg: 'USD', spreadBps: 1, liquidity: 0.4, tier: 'liquid', group: 'asia' },
  { code: 'CNH', name: 'Chinese Yuan (offshore)', usd: per(7.2), vol: 0.045, trend: -0.01, factors: { dollar: 0.5, asiaFx: 1 }, spreadBps: 3, liquidity: 0.45, tier: 'exotic', group: 'asia' },
  { code: 'INR', name: 'Indian Rupee', usd: per(83.1), vol: 0.045, trend: -0.025, factors: { dollar: 0.4, asiaFx: 0.5 }, spreadBps: 6, liquidity: 0.2, tier: 'exotic', group: 'asia' },
  { code: 'IDR', name: 'Indonesian Rupiah', usd: per(15600), vol: 0.07, trend: -0.02, factors: { dollar: 0.6, asiaFx: 1 }, spreadBps: 10, liquidity: 0.15, tier: 'exotic', group: 'asia' },
  { code: 'THB', name: 'Thai Baht', usd: per(35.4), vol: 0.07, factors: { dollar: 0.7, asiaFx: 0.9 }, spreadBps: 8, liquidity: 0.15, tier: 'exotic', group: 'asia' },
  { code: 'PHP', name: 'Philippine Peso', usd: per(55.9), vol: 0.06, trend: -0.015, factors: { dollar: 0.5, asiaFx: 0.7 }, spreadBps: 10, liquidity: 0.1, tier: 'exotic', group: 'asia' },
  { code: 'MYR', name: 'Malaysian Ringgit', usd: per(4.7), vol: 0.06, factors: { dollar: 0.6, asiaFx: 0.9 }, spreadBps: 10, liquidity: 0.1, tier: 'exotic', group: 'asia' },
  { code: 'KRW', name: 'South Korean Won', usd: per(1320), vol: 0.09, factors: { dollar: 0.8, asiaFx: 1.3 }, spreadBps: 6, liquidity: 0.2, tier: 'exotic', group: 'asia' },
  { code: 'TWD', name: 'Taiwan Dollar', usd: per(31.3), vol: 0.05, factors: { dollar: 0.5, asiaFx: 0.8 }, spreadBps: 8, liquidity: 0.12, tier: 'exotic', group: 'asia' },
];

export function currencyByCode(code: string): CurrencySpec | undefined {
  return currencies.find((currency) => currency.code === code);
}

/**
 * Conventional order for the base of a pair when both currencies are listed here (EURUSD,
 * GBPJPY, AUDNZD, USDCAD, CADCHF, NOKSEK); the first seven also lead any other currency
 * (USDTRY, EURPLN). Remaining pairs put the currency worth more per unit first (TRYJPY, DKKSEK).
 */
export const baseOrder: readonly string[] = [
  'EUR',
  'GBP',
  'AUD',
  'NZD',
  'USD',
  'CAD',
  'CHF',
  'NOK',
  'SEK',
];
export const leadingBases = 7;
