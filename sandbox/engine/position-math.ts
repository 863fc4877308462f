import type { Instrument } from '../../api/market';
import type { MarketView } from './market-view';
import { snapToStep } from './grid';
import type { PositionRecord } from './state';

export interface PositionChange {
  position: PositionRecord;
  /** P&L realized by the part of the fill that reduced the position, in the quote currency. */
  realizedInQuote: number;
}

/**
 * Netting: a fill in the position's direction adds at a weighted average price; against it, it
 * realizes P&L on the part it closes, and if it is larger than the position it opens the rest
 * in the other direction at the fill price.
 */
export function positionAfterFill(
  before: PositionRecord,
  signedQuantity: number,
  price: number,
  quantityStep: number,
): PositionChange {
  const quantity = snapToStep(before.quantity + signedQuantity, quantityStep);
  if (before.quantity === 0 || Math.sign(before.quantity) === Math.sign(signedQuantity)) {
    const avgPrice =
      (Math.abs(before.quantity) * before.avg_price + Math.abs(signedQuantity) * price) /
      Math.abs(quantity);
    return { position: { quantity, avg_price: avgPrice }, realizedInQuote: 0 };
  }
  const closed = Math.min(Math.abs(before.quantity), Math.abs(signedQuantity));
  const realizedInQuote = closed * (price - before.avg_price) * Math.sign(before.quantity);
  if (quantity === 0) return { position: { quantity: 0, avg_price: 0 }, realizedInQuote };
  const flipped = Math.sign(quantity) !== Math.sign(before.quantity);
  return {
    position: { quantity, avg_price: flipped ? price : before.avg_price },
    realizedInQuote,
  };
}

/** How much a fill adds to the position's absolute size (0 when it only reduces it). */
export function addedExposure(positionQuantity: number, signedQuantity: number): number {
  return Math.max(0, Math.abs(positionQuantity + signedQuantity) - Math.abs(positionQuantity));
}

export interface PositionValue {
  /** Where the position would close now: the bid for a long, the ask for a short. */
  marketPrice: number;
  /** In USD. */
  unrealizedPnl: number;
  /** In USD. */
  margin: number;
}

export function valuePosition(
  instrument: Instrument,
  position: PositionRecord,
  quote: { bid: number; ask: number } | null,
  usdRate: number,
): PositionValue {
  // Without any quote the position is worth what it cost, which keeps margin defined.
  const marketPrice =
    quote === null ? position.avg_price : position.quantity > 0 ? quote.bid : quote.ask;
  return {
    marketPrice,
    unrealizedPnl: (marketPrice - position.avg_price) * position.quantity * usdRate,
    margin: Math.abs(position.quantity) * marketPrice * instrument.margin_rate * usdRate,
  };
}

export interface AccountTotals {
  unrealizedPnl: number;
  marginUsed: number;
}

/**
 * Unrealized P&L and margin over positions, at each symbol's last quote at t, or at `current`
 * for the symbol being matched (its tick may not be in the market view's history yet).
 */
export function accountTotals(
  positions: ReadonlyMap<string, PositionRecord>,
  market: MarketView,
  t: number,
  current?: { symbol: string; bid: number; ask: number },
): AccountTotals {
  let unrealizedPnl = 0;
  let marginUsed = 0;
  for (const [symbol, position] of positions) {
    const instrument = market.instrument(symbol);
    if (instrument === undefined) continue;
    const quote = current?.symbol === symbol ? current : market.quote(symbol, t);
    const value = valuePosition(
      instrument,
      position,
      quote,
      market.usdPer(instrument.quote_currency, t),
    );
    unrealizedPnl += value.unrealizedPnl;
    marginUsed += value.margin;
  }
  return { unrealizedPnl, marginUsed };
}
