import type { ErrorDetail } from '../../api/errors';
import type { Instrument } from '../../api/market';
import { orderInstrumentIssues } from '../../api/order-rules';
import type { Order, OrderRequest } from '../../api/orders';
import { Decision } from './decision';
import type { EngineEvent } from './events';
import type { EngineFailure } from './failures';
import { conflict, formatUsd, notFound, unprocessable } from './failures';
import type { BookTick, MarketView } from './market-view';
import { tryFill } from './matching';
import { previewOrder } from './order-record';
import { accountTotals, addedExposure } from './position-math';
import type { AccountRecord, EngineState } from './state';

export interface PlaceOrderCommand {
  accountId: string;
  t: number;
  /** Already valid against the `OrderRequest` schema. */
  request: OrderRequest;
}

export type PlaceOrderResult =
  { ok: true; events: readonly EngineEvent[]; order: Order } | EngineFailure;

/**
 * Decides `POST /orders`: validates against the instrument, the session, the account's
 * client_order_ids and its margin, then accepts the order and fills what the current tick
 * allows. Returns the events to journal and apply, and the order as they leave it (the 201
 * body); or a failure and no events.
 */
export function placeOrder(
  state: EngineState,
  market: MarketView,
  command: PlaceOrderCommand,
): PlaceOrderResult {
  const { accountId, t, request } = command;
  const account = state.accounts.get(accountId);
  if (account === undefined) return notFound(`No account ${accountId}.`);
  const instrument = market.instrument(request.symbol);
  if (instrument === undefined) {
    return unprocessable(`Unknown symbol ${request.symbol}.`, [
      {
        path: 'symbol',
        message: `is not a tradable instrument; GET /market lists them`,
        reason: 'unknown_symbol',
      },
    ]);
  }
  const clientOrderId = request.client_order_id;
  if (clientOrderId !== undefined) {
    const existingNumber = account.client_order_ids.get(clientOrderId);
    if (existingNumber !== undefined) {
      const existing = state.ids.orderId(existingNumber);
      return conflict(`client_order_id ${clientOrderId} is already used by order ${existing}.`, [
        { path: 'client_order_id', message: `is already used by order ${existing}` },
      ]);
    }
  }
  const quote = market.quote(request.symbol, t);
  const open = market.isOpen(request.symbol, t);
  const expiresAt = request.time_in_force === 'day' ? market.sessionClose(request.symbol, t) : null;
  const details = sessionIssues(request, open, quote, expiresAt);
  details.unshift(...orderInstrumentIssues(request, instrument, quote ?? undefined));
  if (details.length > 0) {
    return unprocessable(`The order cannot be placed: ${summarize(details)}.`, details);
  }
  const marginFailure = checkMargin(account, market, instrument, request, quote, t);
  if (marginFailure !== null) return marginFailure;

  const decision = new Decision(state, t);
  const draft = decision.account(account);
  const order = decision.accept(draft, {
    client_order_id: clientOrderId ?? null,
    symbol: request.symbol,
    action: request.action,
    quantity: request.quantity,
    order_type: request.order_type,
    limit_price: request.limit_price ?? null,
    stop_loss: request.stop_loss ?? null,
    take_profit: request.take_profit ?? null,
    time_in_force: request.time_in_force,
    parent_order_id: null,
    trigger: null,
    expires_at: expiresAt,
    tick_size: instrument.tick_size,
    quantity_step: instrument.quantity_step,
  });
  if (open && quote !== null) tryFill({ decision, market, instrument, tick: quote }, draft, order);
  if (request.time_in_force === 'ioc' && order.live) {
    decision.expire(draft, order, 'ioc_remainder');
  }
  return { ok: true, events: decision.events, order: previewOrder(state.ids, decision.events) };
}

/** Market and ioc orders need an open session now; a market order also needs a price. */
function sessionIssues(
  request: OrderRequest,
  open: boolean,
  quote: BookTick | null,
  expiresAt: number | null,
) {
  const details: ErrorDetail[] = [];
  // A day order must know when it ends; an unbounded one would be a gtc order in disguise.
  if (expiresAt !== null && !(Number.isSafeInteger(expiresAt) && expiresAt > 0)) {
    details.push({
      path: 'time_in_force',
      message: `cannot be day: ${request.symbol} has no upcoming session for it to expire with; use gtc`,
      reason: 'market_closed',
    });
  }
  if (!open && (request.order_type === 'market' || request.time_in_force === 'ioc')) {
    details.push({
      path: request.order_type === 'market' ? 'order_type' : 'time_in_force',
      message:
        request.order_type === 'market'
          ? `cannot be market: ${request.symbol} is closed now; only gtc or day limit orders can wait for it to open`
          : `cannot be ioc: ${request.symbol} is closed now; only gtc or day limit orders can wait for it to open`,
      reason: 'market_closed',
    });
  } else if (request.order_type === 'market' && quote === null) {
    details.push({
      path: 'symbol',
      message: `${request.symbol} has no quote yet to fill a market order at`,
      reason: 'no_liquidity',
    });
  }
  return details;
}

function summarize(details: readonly ErrorDetail[]): string {
  return details.map((detail) => `${detail.path} ${detail.message}`).join('; ');
}

/**
 * An order that would enlarge the position must find its margin in margin_available now, at the
 * price it expects: the ask or bid for a market order, its limit for a limit order. Resting
 * orders are checked again when they fill.
 */
function checkMargin(
  account: AccountRecord,
  market: MarketView,
  instrument: Instrument,
  request: OrderRequest,
  quote: BookTick | null,
  t: number,
): EngineFailure | null {
  const position = account.positions.get(request.symbol)?.quantity ?? 0;
  const signed = request.action === 'buy' ? request.quantity : -request.quantity;
  const added = addedExposure(position, signed);
  if (added === 0) return null;
  const price =
    request.limit_price ?? (quote === null ? 0 : request.action === 'buy' ? quote.ask : quote.bid);
  const usdRate = market.usdPer(instrument.quote_currency, t);
  const required = added * price * usdRate * instrument.margin_rate;
  const totals = accountTotals(account.positions, market, t);
  const available = account.balance + totals.unrealizedPnl - totals.marginUsed;
  if (required <= available) return null;
  const message = `this order needs ${formatUsd(required)} of margin and ${formatUsd(Math.max(0, available))} is available`;
  return unprocessable(`Insufficient margin: ${message}; reduce the quantity or close positions.`, [
    { path: 'quantity', message, reason: 'insufficient_margin' },
  ]);
}
