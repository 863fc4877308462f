import type { Account, AccountFill, Position } from '../../api/account';
import type { Order, OrderStatus } from '../../api/orders';
import { roundAveragePrice, roundMoney, snapToStep } from './grid';
import type { MarketView } from './market-view';
import { toOrderView } from './order-record';
import { valuePosition } from './position-math';
import type { AccountRecord, EngineState } from './state';
import { findOrder } from './state';

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
  const account = state.accounts.get(accountId);
  const found = account && findOrder(state, account, orderId);
  if (found === undefined) return undefined;
  return found.kind === 'hot'
    ? toOrderView(state, found.record)
    : archivedView(state, found.number);
}

function orderViewOf(state: EngineState, number: number): Order {
  const record = state.hot_orders.get(number);
  return record !== undefined ? toOrderView(state, record) : archivedView(state, number);
}

function archivedView(state: EngineState, number: number): Order {
  const symbol = state.symbols[state.archive.symbolOf(number)] ?? '';
  return state.archive.view(number, symbol, state.fills, state.ids);
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
  /**
   * List only orders numbered after this: the previous page's `next`. Numbers, not ids: ids do
   * not sort in creation order (ids.ts), and a caller turns a cursor's id into its number.
   */
  after?: number;
}

export interface Page<T> {
  items: T[];
  /** The number of the last item, to pass as `after` for the next page; null on the last page. */
  next: number | null;
}

/** `GET /orders`: oldest first. */
export function listOrders(
  state: EngineState,
  accountId: string,
  options: OrderListOptions,
): Page<Order> {
  const account = state.accounts.get(accountId);
  if (account === undefined) return { items: [], next: null };
  const after = options.after ?? 0;
  const numbers: number[] = [];
  if (options.status === 'open') {
    // In acceptance order, which is number order.
    for (const order of account.live_orders) {
      if (
        order.number > after &&
        (options.symbol === undefined || order.symbol === options.symbol)
      ) {
        numbers.push(order.number);
        if (numbers.length > options.limit) break;
      }
    }
  } else {
    // A symbol no finished order has yet has no index: only live orders can match it (-2).
    const symbolIndex =
      options.symbol === undefined ? -1 : (state.symbol_indexes.get(options.symbol) ?? -2);
    const all = account.order_numbers;
    for (let index = firstAfter(all, after); index < all.length; index++) {
      const number = all[index];
      if (orderMatches(state, number, options.status, options.symbol, symbolIndex)) {
        numbers.push(number);
      }
      if (numbers.length > options.limit) break;
    }
  }
  return page(numbers, options.limit, (number) => orderViewOf(state, number));
}

/** Reads the archive's columns directly, so filtering a long history builds no objects. */
function orderMatches(
  state: EngineState,
  number: number,
  status: Exclude<OrderListStatus, 'open'>,
  symbol: string | undefined,
  symbolIndex: number,
): boolean {
  const record = state.hot_orders.get(number);
  const symbolMatches =
    symbol === undefined ||
    (record !== undefined
      ? record.symbol === symbol
      : state.archive.symbolOf(number) === symbolIndex);
  return symbolMatches && statusMatches(record?.status ?? state.archive.statusOf(number), status);
}

function statusMatches(orderStatus: OrderStatus, status: OrderListStatus): boolean {
  switch (status) {
    case 'all':
      return true;
    case 'open':
      return orderStatus === 'open' || orderStatus === 'partially_filled';
    case 'filled':
      return orderStatus === 'filled';
    case 'cancelled':
      return orderStatus === 'cancelled' || orderStatus === 'expired' || orderStatus === 'rejected';
    default:
      return status satisfies never;
  }
}

export interface FillListOptions {
  /** Only fills at or after this time. */
  since?: number;
  limit: number;
  /** List only fills numbered after this: the previous page's `next`. */
  after?: number;
}

/** `GET /account/fills`: oldest first. */
export function listFills(
  state: EngineState,
  accountId: string,
  options: FillListOptions,
): Page<AccountFill> {
  const account = state.accounts.get(accountId);
  if (account === undefined) return { items: [], next: null };
  const all = account.fill_numbers;
  const since = options.since ?? -Infinity;
  const numbers: number[] = [];
  for (let index = firstAfter(all, options.after ?? 0); index < all.length; index++) {
    const number = all[index];
    if (state.fills.timeOf(number) >= since) numbers.push(number);
    if (numbers.length > options.limit) break;
  }
  return page(numbers, options.limit, (number) => {
    const orderNumber = state.fills.orderOf(number);
    const record = state.hot_orders.get(orderNumber);
    const symbol = record?.symbol ?? state.symbols[state.archive.symbolOf(orderNumber)] ?? '';
    const action = record?.action ?? state.archive.actionOf(orderNumber);
    return state.fills.accountFill(number, symbol, action, state.ids);
  });
}

/** Takes `limit` of up to `limit + 1` matches; the extra one only says another page exists. */
function page<T>(numbers: number[], limit: number, view: (number: number) => T): Page<T> {
  const more = numbers.length > limit;
  const shown = more ? numbers.slice(0, limit) : numbers;
  const last = shown.at(-1);
  return { items: shown.map(view), next: more && last !== undefined ? last : null };
}

/** Index of the first number above `after` in an ascending list. */
function firstAfter(sorted: readonly number[], after: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] <= after) low = middle + 1;
    else high = middle;
  }
  return low;
}
