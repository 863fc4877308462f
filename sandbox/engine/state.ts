import type { AccountFill } from '../../api/account';
import type { Order } from '../../api/orders';

/** Where an entry order's stop_loss / take_profit stand: not yet protecting, watching, or spent. */
export type ExitState = 'idle' | 'armed' | 'triggered';

/** An order as the API shows it, plus what the engine needs to keep matching it. */
export interface OrderRecord extends Omit<Order, 'fills'> {
  account_id: string;
  /** Shared with the account's fill list: one object per fill. */
  fills: AccountFill[];
  /** Close of the session for `day` orders; null for the others. */
  expires_at: number | null;
  tick_size: number;
  quantity_step: number;
  /** Σ price × quantity over the fills, for the average fill price. */
  filled_notional: number;
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
  currency: string;
  balance: number;
  /** Since the last reset. */
  realized_pnl: number;
  /** Seq of the account's last event. */
  seq: number;
  /** Every order of the account, oldest first (ids rise, so this is sorted). */
  order_ids: string[];
  live_orders: Set<OrderRecord>;
  /** client_order_id → order id, for orders placed since the last reset. */
  client_order_ids: Map<string, string>;
  /** Every fill of the account, oldest first. */
  fills: AccountFill[];
  /** Open positions only: a flat position is removed. */
  positions: Map<string, PositionRecord>;
  /** Entry orders whose exits are armed. */
  armed_exits: Set<OrderRecord>;
  liquidity: Map<string, LiquidityUse>;
}

export interface EngineState {
  accounts: Map<string, AccountRecord>;
  orders: Map<string, OrderRecord>;
  /** Live orders per symbol in id order (time priority), so a tick touches only its symbol. */
  live_by_symbol: Map<string, Set<OrderRecord>>;
  /** Entry orders with armed exits, per symbol, in arming order. */
  armed_exits_by_symbol: Map<string, Set<OrderRecord>>;
  /** Live `day` orders, and the earliest of their expiries (Infinity when none). */
  day_orders: Set<OrderRecord>;
  next_day_expiry: number;
  /** How many orders and fills have ever been created: the source of their ids. */
  order_count: number;
  fill_count: number;
}

export function createEngineState(): EngineState {
  return {
    accounts: new Map(),
    orders: new Map(),
    live_by_symbol: new Map(),
    armed_exits_by_symbol: new Map(),
    day_orders: new Set(),
    next_day_expiry: Infinity,
    order_count: 0,
    fill_count: 0,
  };
}

export function createAccountRecord(accountId: string, currency: string, balance: number) {
  const account: AccountRecord = {
    account_id: accountId,
    currency,
    balance,
    realized_pnl: 0,
    seq: 0,
    order_ids: [],
    live_orders: new Set(),
    client_order_ids: new Map(),
    fills: [],
    positions: new Map(),
    armed_exits: new Set(),
    liquidity: new Map(),
  };
  return account;
}

// Fixed width keeps ids sorted as strings in creation order, which cursors rely on.
const idDigits = 10;

/** The id of the n-th order ever created (n from 1). */
export function orderIdFor(orderNumber: number): string {
  return 'ord_' + orderNumber.toString(36).padStart(idDigits, '0');
}

export function fillIdFor(fillNumber: number): string {
  return 'fil_' + fillNumber.toString(36).padStart(idDigits, '0');
}

export function isLive(order: Pick<Order, 'status'>): boolean {
  return order.status === 'open' || order.status === 'partially_filled';
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
  const live = state.live_by_symbol.get(order.symbol);
  if (live !== undefined) {
    live.delete(order);
    if (live.size === 0) state.live_by_symbol.delete(order.symbol);
  }
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
  if (armed !== undefined) {
    armed.delete(entry);
    if (armed.size === 0) state.armed_exits_by_symbol.delete(entry.symbol);
  }
}
