import type { ErrorDetail } from './errors';
import type { Instrument } from './market';
import type { OrderRequest } from './orders';
import { protectionIssues } from './orders';

/** Whether `value` is a whole multiple of `step`, allowing for binary floating-point error. */
export function isMultipleOf(value: number, step: number): boolean {
  const ratio = value / step;
  return Math.abs(ratio - Math.round(ratio)) <= 1e-9 * Math.max(1, Math.abs(ratio));
}

/**
 * The most steps an order's quantity, and ticks its prices, may count: far beyond any real
 * order (10^12 ticks of 0.00001 is a price of 10,000,000), and small enough that every count is
 * an exact integer and JSON numbers with more digits than a double holds cannot pass rounded.
 */
export const maxGridUnits = 1e12;

const scales = new Map<number, { scale: number; stepUnits: number }>();

/**
 * How many whole `step`s `value` is, when it is exactly a point of the step's grid: the number
 * JSON.parse gives for the grid value's shortest decimal (1.08123 for 108,123 ticks of 0.00001),
 * not merely close to it. Null for anything else: off the grid, below one step, not finite, or
 * past maxGridUnits. Decided in the step's integer units, so no relative tolerance lets
 * 1000000000.5 pass a step of 1 or 1e-15 pass a tick of 0.00001.
 */
export function gridUnits(value: number, step: number): number | null {
  let grid = scales.get(step);
  if (grid === undefined) {
    const scale = 10 ** decimalsOf(step);
    grid = { scale, stepUnits: Math.round(step * scale) };
    scales.set(step, grid);
  }
  if (!Number.isFinite(value) || value <= 0) return null;
  const scaled = Math.round(value * grid.scale);
  if (scaled / grid.scale !== value || scaled % grid.stepUnits !== 0) return null;
  const units = scaled / grid.stepUnits;
  return units >= 1 && units <= maxGridUnits ? units : null;
}

/** Number of decimals needed to print a step such as 0.00001 or 0.25. */
export function decimalsOf(step: number): number {
  for (let decimals = 0; decimals < 12; decimals++) {
    const scaled = step * 10 ** decimals;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9) return decimals;
  }
  return 12;
}

/** Rounds a price or quantity onto its grid and strips float noise (1.0812300000000001 → 1.08123). */
export function roundToStep(value: number, step: number): number {
  const decimals = decimalsOf(step);
  return Number((Math.round(value / step) * step).toFixed(decimals));
}

/**
 * The rules of an order that need its instrument: quantity at least the minimum and on the step,
 * prices on the tick grid, and protective exits on the right side of the fill price (for a
 * market order, the current ask for a buy and bid for a sell). Returns one detail per problem.
 */
export function orderInstrumentIssues(
  order: OrderRequest,
  instrument: Instrument,
  quote?: { bid: number; ask: number },
): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const { symbol, quantity_step: step, tick_size: tick } = instrument;
  if (order.quantity < instrument.min_quantity) {
    details.push({
      path: 'quantity',
      message: `must be at least ${instrument.min_quantity} for ${symbol}`,
      reason: 'invalid_quantity',
    });
  } else if (order.quantity > maxGridUnits * step) {
    details.push({
      path: 'quantity',
      message: `must be at most ${roundToStep(maxGridUnits * step, step)} for ${symbol}`,
      reason: 'invalid_quantity',
    });
  } else if (gridUnits(order.quantity, step) === null) {
    details.push({
      path: 'quantity',
      message: `must be a multiple of ${step} for ${symbol}, written with at most ${decimalsOf(step)} decimals`,
      reason: 'invalid_quantity',
    });
  }
  for (const field of ['limit_price', 'stop_loss', 'take_profit'] as const) {
    const price = order[field];
    if (price === undefined || gridUnits(price, tick) !== null) continue;
    const message =
      price > maxGridUnits * tick
        ? `must be at most ${roundToStep(maxGridUnits * tick, tick)} for ${symbol}`
        : price < tick
          ? `must be at least the tick size ${tick} for ${symbol}`
          : `must be a multiple of the tick size ${tick} for ${symbol}, written with at most ${decimalsOf(tick)} decimals`;
    details.push({ path: field, message, reason: 'invalid_price' });
  }
  if (order.order_type === 'market' && quote) {
    const entry = order.action === 'buy' ? quote.ask : quote.bid;
    for (const issue of protectionIssues(order.action, entry, order.stop_loss, order.take_profit)) {
      details.push({ ...issue, reason: 'invalid_protection' });
    }
  }
  return details;
}
