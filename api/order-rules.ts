import type { ErrorDetail } from './errors';
import type { Instrument } from './market';
import type { OrderRequest } from './orders';
import { protectionIssues } from './orders';

/** Whether `value` is a whole multiple of `step`, allowing for binary floating-point error. */
export function isMultipleOf(value: number, step: number): boolean {
  const ratio = value / step;
  return Math.abs(ratio - Math.round(ratio)) <= 1e-9 * Math.max(1, Math.abs(ratio));
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
  if (order.quantity < instrument.min_quantity) {
    details.push({
      path: 'quantity',
      message: `must be at least ${instrument.min_quantity} for ${instrument.symbol}`,
      reason: 'invalid_quantity',
    });
  } else if (!isMultipleOf(order.quantity, instrument.quantity_step)) {
    details.push({
      path: 'quantity',
      message: `must be a multiple of ${instrument.quantity_step} for ${instrument.symbol}`,
      reason: 'invalid_quantity',
    });
  }
  for (const field of ['limit_price', 'stop_loss', 'take_profit'] as const) {
    const price = order[field];
    if (price !== undefined && !isMultipleOf(price, instrument.tick_size)) {
      details.push({
        path: field,
        message: `must be a multiple of the tick size ${instrument.tick_size} for ${instrument.symbol}`,
        reason: 'invalid_price',
      });
    }
  }
  if (order.order_type === 'market' && quote) {
    const entry = order.action === 'buy' ? quote.ask : quote.bid;
    for (const issue of protectionIssues(order.action, entry, order.stop_loss, order.take_profit)) {
      details.push({ ...issue, reason: 'invalid_protection' });
    }
  }
  return details;
}
