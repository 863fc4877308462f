import type { Instrument } from '../../api/market';
import type { AccountDraft, Decision, OrderDraft } from './decision';
import { formatUsd } from './failures';
import { floorToStep, roundMoney, snapToStep } from './grid';
import type { BookTick, MarketView } from './market-view';
import { accountTotals, addedExposure, positionAfterFill } from './position-math';

/** Everything a fill needs besides the order: one symbol, one tick, one moment. */
export interface MatchContext {
  readonly decision: Decision;
  readonly market: MarketView;
  readonly instrument: Instrument;
  readonly tick: BookTick;
}

/** Whether the tick's price is acceptable to the order: always for market, at or better for limit. */
export function crosses(
  order: { action: 'buy' | 'sell'; limit_price: number | null },
  tick: BookTick,
): boolean {
  if (order.limit_price === null) return true;
  return order.action === 'buy' ? tick.ask <= order.limit_price : tick.bid >= order.limit_price;
}

/**
 * Fills as much of a live order as the tick allows: at the ask for a buy and the bid for a sell
 * (a limit order gets that price when it is better than its limit), up to the top-of-book size
 * the account has not yet taken on this tick. An exit never flips the position: it is capped at
 * the position it closes, and its remainder is cancelled once that position is flat. A fill
 * that would add exposure beyond the margin available rejects the rest of the order.
 */
export function tryFill(context: MatchContext, account: AccountDraft, order: OrderDraft): void {
  const { decision, tick } = context;
  if (!order.live || !crosses(order, tick)) return;
  const buying = order.action === 'buy';
  const use = decision.liquidity(account, order.symbol, tick.t);
  const available = buying ? tick.askSize - use.ask_used : tick.bidSize - use.bid_used;
  let quantity = Math.min(
    snapToStep(order.quantity - order.filled_quantity, order.quantity_step),
    floorToStep(available, order.quantity_step),
  );
  const before = decision.position(account, order.symbol);
  if (order.parent_order_id !== null) {
    const closable = buying ? Math.max(0, -before.quantity) : Math.max(0, before.quantity);
    if (closable === 0) {
      decision.cancel(account, order, 'position_closed');
      return;
    }
    quantity = Math.min(quantity, closable);
  }
  if (quantity <= 0) return;
  const price = snapToStep(buying ? tick.ask : tick.bid, order.tick_size);
  const signedQuantity = buying ? quantity : -quantity;
  const usdRate = context.market.usdPer(context.instrument.quote_currency, decision.t);
  const added = addedExposure(before.quantity, signedQuantity);
  if (added > 0) {
    const shortfall = marginShortfall(context, account, added * price * usdRate);
    if (shortfall !== null) {
      decision.reject(account, order, shortfall);
      return;
    }
  }
  const change = positionAfterFill(before, signedQuantity, price, order.quantity_step);
  decision.fill(account, order, {
    price,
    quantity,
    fee: roundMoney(context.instrument.commission_rate * quantity * price * usdRate),
    realized_pnl: roundMoney(change.realizedInQuote * usdRate),
    usd_rate: usdRate,
    tick_t: tick.t,
    position: change.position,
  });
  if (order.parent_order_id !== null && order.live && change.position.quantity === 0) {
    decision.cancel(account, order, 'position_closed');
  }
}

/** Null when the margin for `addedNotionalUsd` fits; otherwise the reason to reject. */
function marginShortfall(
  context: MatchContext,
  account: AccountDraft,
  addedNotionalUsd: number,
): string | null {
  const { decision, market, instrument, tick } = context;
  const required = addedNotionalUsd * instrument.margin_rate;
  const totals = accountTotals(decision.positionsOf(account), market, decision.t, {
    symbol: instrument.symbol,
    bid: tick.bid,
    ask: tick.ask,
  });
  const available = account.balance + totals.unrealizedPnl - totals.marginUsed;
  if (required <= available) return null;
  return `insufficient_margin: this fill needs ${formatUsd(required)} of margin and ${formatUsd(Math.max(0, available))} is available`;
}
