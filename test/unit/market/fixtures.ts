// Shared instants and helpers for the market tests. Times are UTC; 2024-03-06 is a Wednesday.
import type { Candle, Instrument, Tick } from '../../../api/market';
import { instrumentBySymbol } from '../../../sandbox/market/instruments';

export const minute = 60_000;
export const hour = 3_600_000;
export const day = 86_400_000;
export const wednesdayNoon = Date.UTC(2024, 2, 6, 12, 0);
export const saturdayNoon = Date.UTC(2024, 2, 9, 12, 0);

export function instrument(symbol: string): Instrument {
  const found = instrumentBySymbol(symbol);
  if (!found) throw new Error(`test fixture: no instrument ${symbol}`);
  return found;
}

/** The candle of several candles as the contract defines it; null if there are none. */
export function aggregate(candles: readonly Candle[]): Omit<Candle, 't'> | null {
  if (candles.length === 0) return null;
  return {
    o: candles[0].o,
    h: Math.max(...candles.map((c) => c.h)),
    l: Math.min(...candles.map((c) => c.l)),
    c: candles[candles.length - 1].c,
    v: candles.reduce((sum, c) => sum + c.v, 0),
  };
}

/** The candle a run of ticks makes. */
export function candleOfTicks(ticks: readonly Tick[]): Omit<Candle, 't'> | null {
  if (ticks.length === 0) return null;
  return {
    o: ticks[0].bid,
    h: Math.max(...ticks.map((tick) => tick.bid)),
    l: Math.min(...ticks.map((tick) => tick.bid)),
    c: ticks[ticks.length - 1].bid,
    v: ticks.length,
  };
}

/** Whether a price lies on the instrument's tick grid and prints with no more decimals. */
export function onGrid(price: number, tickSize: number): boolean {
  const steps = Math.round(price / tickSize);
  if (Math.abs(steps * tickSize - price) > 1e-9 * Math.max(1, price)) return false;
  const decimals = (text: string): number => (text.includes('.') ? text.split('.')[1].length : 0);
  return decimals(String(price)) <= decimals(String(tickSize));
}

export function stripTime(candle: Candle): Omit<Candle, 't'> {
  const { o, h, l, c, v } = candle;
  return { o, h, l, c, v };
}
