import type { Account, AccountFill, Position } from '../../api/account';
import type { Order } from '../../api/orders';
import { roundAveragePrice, roundMoney, snapToStep } from './grid';
import type { MarketView } from './market-view';
import { toOrderView } from './order-record';
import { valuePosition } from './position-math';
import type { AccountRecord, EngineState, OrderRecord } from './state';

// Pure reads for the GET endpoints. Every result is a fresh object, safe to keep or serialize.

/** `GET /account` at time t, valued at each symbol's last quote; undefined for an unknown account. */
export function accountView(
  state: EngineState,
  market: MarketView,
  accountId: string,
  t: number,
): Account | undefined {
  const account = state.accounts.get(accountId);
  if (account === undefined) return undefined;
  let unrealized = 0;
  let marginUsed = 0;
  const positionViews: Position[] = [];
  for (const symbol of [...account.positions.keys()].sort()) {
    const valued = valuedPosition(account, market, symbol, t);
    if (valued === undefined) continue;
    unrealized += valued.unrealized;
    marginUsed += valued.margin;
    positionViews.push(valued.view);
  }
  const equity = account.balance + unrealized;
  return {
    account_id: account.account_id,
    currency: account.currency,
    balance: account.balance,
    equity: roundMoney(equity),
    margin_used: roundMoney(marginUsed),
    margin_available: roundMoney(equity - marginUsed),
    unrealized_pnl: roundMoney(unrealized),
    realized_pnl: account.realized_pnl,
    positions: positionViews,
  };
}

/** `GET /account/positions[?symbols=]`, sorted by symbol; empty for an unknown account. */
export function positions(
  state: EngineState,
  market: MarketView,
  accountId: string,
  t: number,
  symbols?: readonly string[],
): Position[] {
  const account = state.accounts.get(accountId);
  if (account === undefined) return [];
  const wanted = symbols === undefined ? [...account.positions.keys()] : [...new Set(symbols)];
  return wanted.sort().flatMap((symbol) => valuedPosition(account, market, symbol, t)?.view ?? []);
}

function valuedPosition(account: AccountRecord, market: MarketView, symbol: string, t: number) {
  const position = account.positions.get(symbol);
  const instrument = market.instrument(symbol);
  if (position === undefined || instrument === undefined) return undefined;
  const usdRate = market.usdPer(instrument.quote_currency, t);
  const value = valuePosition(instrument, position, market.quote(symbol, t), usdRate);
  const view: Position = {
    symbol,
    quantity: position.quantity,
    avg_price: roundAveragePrice(position.avg_price, instrument.tick_size),
    market_price: snapToStep(value.marketPrice, instrument.tick_size),
    unrealized_pnl: roundMoney(value.unrealizedPnl),
  };
  return { view, unrealized: value.unrealizedPnl, margin: value.margin };
}

/** `GET /orders/{id}`: undefined when the order is unknown or another account's. */
export function getOrder(
  state: EngineState,
  accountId: string,
  orderId: string,
): Order | undefined {
  const order = state.orders.get(orderId);
  return order !== undefined && order.account_id === accountId ? toOrderView(order) : undefined;
}

/**
 * `open` is open and partially filled; `filled` is filled; `cancelled` is every order that ended
 * without filling completely: cancelled, expired and rejected (they may hold partial fills).
 */
export type OrderListStatus = 'open' | 'filled' | 'cancelled' | 'all';

export interface OrderListOptions {
  status: OrderListStatus;
  symbol?: string;
  limit: number;
  /** The cursor: list orders after this id. */
  afterId?: string;
}

export interface Page<T> {
  items: T[];
  /** The id to pass as `afterId` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** `GET /orders`: oldest first by id. */
export function listOrders(
  state: EngineState,
  accountId: string,
  options: OrderListOptions,
): Page<Order> {
  const account = state.accounts.get(accountId);
  if (account === undefined) return { items: [], nextCursor: null };
  const matches = (order: OrderRecord) =>
    (options.symbol === undefined || order.symbol === options.symbol) &&
    statusMatches(order, options.status);
  const afterId = options.afterId ?? '';
  const records: OrderRecord[] = [];
  if (options.status === 'open') {
    for (const order of account.live_orders) {
      if (order.id > afterId && matches(order)) records.push(order);
      if (records.length > options.limit) break;
    }
  } else {
    const ids = account.order_ids;
    for (let index = firstAfter(ids, afterId); index < ids.length; index++) {
      const order = state.orders.get(ids[index] ?? '');
      if (order !== undefined && matches(order)) records.push(order);
      if (records.length > options.limit) break;
    }
  }
  return page(records, options.limit, toOrderView);
}

function statusMatches(order: OrderRecord, status: OrderListStatus): boolean {
  switch (status) {
    case 'all':
      return true;
    case 'open':
      return order.status === 'open' || order.status === 'partially_filled';
    case 'filled':
      return order.status === 'filled';
    case 'cancelled':
      return (
        order.status === 'cancelled' || order.status === 'expired' || order.status === 'rejected'
      );
    default:
      return status satisfies never;
  }
}

export interface FillListOptions {
  /** Only fills at or after this time. */
  since?: number;
  limit: number;
  afterId?: string;
}

/** `GET /account/fills`: oldest first by id. */
export function listFills(
  state: EngineState,
  accountId: string,
  options: FillListOptions,
): Page<AccountFill> {
  const account = state.accounts.get(accountId);
  if (account === undefined) return { items: [], nextCursor: null };
  const fills = account.fills;
  const since = options.since ?? -Infinity;
  const found: AccountFill[] = [];
  for (let index = firstAfter(fills, options.afterId ?? ''); index < fills.length; index++) {
    const fill = fills[index];
    if (fill !== undefined && fill.t >= since) found.push(fill);
    if (found.length > options.limit) break;
  }
  return page(found, options.limit, (fill) => ({ ...fill }));
}

/** Takes `limit` of up to `limit + 1` matches; the extra one only says another page exists. */
function page<R extends { id: string }, T>(
  records: R[],
  limit: number,
  view: (r: R) => T,
): Page<T> {
  const more = records.length > limit;
  const shown = more ? records.slice(0, limit) : records;
  return { items: shown.map(view), nextCursor: more ? (shown.at(-1)?.id ?? null) : null };
}

/** Index of the first id above `afterId` in ascending ids (fixed-width ids sort as strings). */
function firstAfter(sorted: readonly (string | { id: string })[], afterId: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const entry = sorted[middle];
    const id = typeof entry === 'string' ? entry : (entry?.id ?? '');
    if (id <= afterId) low = middle + 1;
    else high = middle;
  }
  return low;
}
