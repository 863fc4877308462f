import type { Order, OrderStatus } from '../../api/orders';
import { FillTable } from './fill-table';
import { IdCodec } from './ids';
import { OrderArchive } from './order-archive';

/** Where an entry order's stop_loss / take_profit stand: not yet protecting, watching, or spent. */
export type ExitState = 'idle' | 'armed' | 'triggered';

/**
 * An order still in play (live, or finished with armed exits), as the API shows it plus what the
 * engine needs to keep matching it. Once it can no longer change it moves to the archive.
 */
export interface OrderRecord extends Omit<Order, 'fills'> {
  /** The n-th order ever created: what its id encodes (ids.ts). */
  number: number;
  account_id: string;
  /** Close of the session for `day` orders; null for the others. */
  expires_at: number | null;
  tick_size: number;
  quantity_step: number;
  /** Σ price × quantity over the fills, for the average fill price. */
  filled_notional: number;
  /** Fill numbers of its first and last fills in the fill table; 0 for none. */
  first_fill: number;
  last_fill: number;
  exit_state: ExitState;
}

export interface PositionRecord {
  /** Signed, on the instrument's quantity grid: negative is short. */
  quantity: number;
  /** Full precision; rounded only for display. */
  avg_price: number;
}

/** How much of one tick's top-of-book an account has already taken. */
export interface LiquidityUse {
  tick_t: number;
  bid_used: number;
  ask_used: number;
}

export interface AccountRecord {
  account_id: string;
  /** Position in `EngineState.account_list`; the archive stores this instead of the id. */
  index: number;
  currency: string;
  balance: number;
  /** Since the last reset. */
  realized_pnl: number;
  /** Seq of the account's last event. */
  seq: number;
  /** Numbers of every order of the account, ascending. */
  order_numbers: number[];
  /** Numbers of every fill of the account, ascending. */
  fill_numbers: number[];
  live_orders: Set<OrderRecord>;
  /** client_order_id → order number, for orders placed since the last reset. */
  client_order_ids: Map<string, number>;
  /** Open positions only: a flat position is removed. */
  positions: Map<string, PositionRecord>;
  /** Entry orders whose exits are armed. */
  armed_exits: Set<OrderRecord>;
  liquidity: Map<string, LiquidityUse>;
}

export interface EngineState {
  accounts: Map<string, AccountRecord>;
  account_list: AccountRecord[];
  /** Symbols by first use; the archive stores their index. */
  symbols: string[];
  symbol_indexes: Map<string, number>;
  /** Orders still in play, by number. */
  hot_orders: Map<number, OrderRecord>;
  archive: OrderArchive;
  fills: FillTable;
  /**
   * Live orders per symbol in acceptance order (time priority), so a tick touches only its
   * symbol. A set stays when it empties: market orders empty it on every fill, and re-creating it
   * each time costs more than keeping it.
   */
  live_by_symbol: Map<string, Set<OrderRecord>>;
  /** Entry orders with armed exits, per symbol, in arming order (emptied sets stay too). */
  armed_exits_by_symbol: Map<string, Set<OrderRecord>>;
  /** Live `day` orders, and the earliest of their expiries (Infinity when none). */
  day_orders: Set<OrderRecord>;
  next_day_expiry: number;
  /** How many orders have ever been created: the source of their ids (fills count in `fills`). */
  order_count: number;
  /** Numbers to ids and back; keyed once per data folder (`ids_keyed`), never changed after. */
  ids: IdCodec;
}

export function createEngineState(): EngineState {
  return {
    accounts: new Map(),
    account_list: [],
    symbols: [],
    symbol_indexes: new Map(),
    hot_orders: new Map(),
    archive: new OrderArchive(),
    fills: new FillTable(),
    live_by_symbol: new Map(),
    armed_exits_by_symbol: new Map(),
    day_orders: new Set(),
    next_day_expiry: Infinity,
    order_count: 0,
    ids: IdCodec.unkeyed,
  };
}

export function addAccountRecord(
  state: EngineState,
  accountId: string,
  currency: string,
  balance: number,
): AccountRecord {
  const account: AccountRecord = {
    account_id: accountId,
    index: state.account_list.length,
    currency,
    balance,
    realized_pnl: 0,
    seq: 0,
    order_numbers: [],
    fill_numbers: [],
    live_orders: new Set(),
    client_order_ids: new Map(),
    positions: new Map(),
    armed_exits: new Set(),
    liquidity: new Map(),
  };
  state.accounts.set(accountId, account);
  state.account_list.push(account);
  return account;
}

export function symbolIndexOf(state: EngineState, symbol: string): number {
  let index = state.symbol_indexes.get(symbol);
  if (index === undefined) {
    index = state.symbols.length;
    state.symbols.push(symbol);
    state.symbol_indexes.set(symbol, index);
  }
  return index;
}

export function isLive(order: Pick<Order, 'status'>): boolean {
  return order.status === 'open' || order.status === 'partially_filled';
}

/** An order of one account: in play (a record) or archived (its number). */
export type FoundOrder =
  { kind: 'hot'; record: OrderRecord } | { kind: 'archived'; number: number; status: OrderStatus };

/** Finds an order of the account; undefined for an unknown id or another account's order. */
export function findOrder(
  state: EngineState,
  account: AccountRecord,
  orderId: string,
): FoundOrder | undefined {
  const number = state.ids.orderNumber(orderId);
  if (number === undefined || number > state.order_count) return undefined;
  const record = state.hot_orders.get(number);
  if (record !== undefined) {
    return record.account_id === account.account_id ? { kind: 'hot', record } : undefined;
  }
  if (state.archive.accountOf(number) !== account.index) return undefined;
  return { kind: 'archived', number, status: state.archive.statusOf(number) };
}

export function indexLiveOrder(state: EngineState, account: AccountRecord, order: OrderRecord) {
  account.live_orders.add(order);
  let live = state.live_by_symbol.get(order.symbol);
  if (live === undefined) {
    live = new Set();
    state.live_by_symbol.set(order.symbol, live);
  }
  live.add(order);
  if (order.expires_at !== null) {
    state.day_orders.add(order);
    if (order.expires_at < state.next_day_expiry) state.next_day_expiry = order.expires_at;
  }
}

export function unindexLiveOrder(state: EngineState, account: AccountRecord, order: OrderRecord) {
  account.live_orders.delete(order);
  state.live_by_symbol.get(order.symbol)?.delete(order);
  if (order.expires_at !== null && state.day_orders.delete(order)) {
    if (order.expires_at <= state.next_day_expiry) {
      state.next_day_expiry = earliestExpiry(state.day_orders);
    }
  }
}

export function earliestExpiry(dayOrders: Iterable<OrderRecord>): number {
  let earliest = Infinity;
  for (const order of dayOrders) {
    if (order.expires_at !== null && order.expires_at < earliest) earliest = order.expires_at;
  }
  return earliest;
}

export function armExits(state: EngineState, account: AccountRecord, entry: OrderRecord) {
  entry.exit_state = 'armed';
  account.armed_exits.add(entry);
  let armed = state.armed_exits_by_symbol.get(entry.symbol);
  if (armed === undefined) {
    armed = new Set();
    state.armed_exits_by_symbol.set(entry.symbol, armed);
  }
  armed.add(entry);
}

export function disarmExits(
  state: EngineState,
  account: AccountRecord,
  entry: OrderRecord,
  next: Exclude<ExitState, 'armed'>,
) {
  entry.exit_state = next;
  account.armed_exits.delete(entry);
  const armed = state.armed_exits_by_symbol.get(entry.symbol);
  armed?.delete(entry);
  // An emptied symbol leaves the index: its place in the index's order is where a snapshot
  // restores it, so it must be the place of its oldest armed exit, not of one long gone.
  if (armed?.size === 0) state.armed_exits_by_symbol.delete(entry.symbol);
  settleOrder(state, account, entry);
}

/** Moves an order that can no longer change from the records to the archive. */
export function settleOrder(state: EngineState, account: AccountRecord, order: OrderRecord) {
  if (isLive(order) || order.exit_state === 'armed') return;
  const parent =
    order.parent_order_id === null ? 0 : (state.ids.orderNumber(order.parent_order_id) ?? 0);
  state.archive.store(order, account.index, symbolIndexOf(state, order.symbol), parent);
  state.hot_orders.delete(order.number);
}

/** Exit state of any order of the state, for tests and diagnostics. */
export function exitStateOf(state: EngineState, orderNumber: number): ExitState {
  return state.hot_orders.get(orderNumber)?.exit_state ?? state.archive.exitStateOf(orderNumber);
}
