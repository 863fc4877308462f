import { z } from 'zod';
import type { AccountFill } from '../../api/account';
import { AccountFill as AccountFillSchema } from '../../api/account';
import { Price, Quantity, Timestamp } from '../../api/common';
import { Order } from '../../api/orders';
import type { AccountRecord, EngineState, OrderRecord } from './state';
import { armExits, createAccountRecord, createEngineState, indexLiveOrder, isLive } from './state';

// A snapshot holds only what applyEvent produced; the indexes are rebuilt from it. The one
// order that cannot be rebuilt from ids is the arming order of exits, so it is stored.

const snapshotFormat = 'timber-engine-state';
const snapshotVersion = 1;

const OrderSnapshot = Order.omit({ fills: true }).extend({
  account_id: z.string(),
  fill_ids: z.array(z.string()),
  expires_at: Timestamp.nullable(),
  tick_size: Price,
  quantity_step: Quantity,
  filled_notional: z.number(),
  exit_state: z.enum(['idle', 'armed', 'triggered']),
});

const AccountSnapshot = z.object({
  account_id: z.string(),
  currency: z.string().length(3),
  balance: z.number(),
  realized_pnl: z.number(),
  seq: z.number().int().nonnegative(),
  client_order_ids: z.array(z.tuple([z.string(), z.string()])),
  fills: z.array(AccountFillSchema),
  positions: z.array(z.object({ symbol: z.string(), quantity: z.number(), avg_price: z.number() })),
  liquidity: z.array(
    z.object({
      symbol: z.string(),
      tick_t: Timestamp,
      bid_used: z.number(),
      ask_used: z.number(),
    }),
  ),
});

export const EngineSnapshot = z.object({
  format: z.literal(snapshotFormat),
  version: z.literal(snapshotVersion),
  order_count: z.number().int().nonnegative(),
  fill_count: z.number().int().nonnegative(),
  accounts: z.array(AccountSnapshot),
  /** In id order. */
  orders: z.array(OrderSnapshot),
  /** Entry order ids with armed exits, in arming order. */
  armed_exits: z.array(z.string()),
});
export type EngineSnapshot = z.infer<typeof EngineSnapshot>;

/** Plain JSON of the state, for snapshots; `deserializeEngineState` reads it back. */
export function serializeEngineState(state: EngineState): EngineSnapshot {
  return {
    format: snapshotFormat,
    version: snapshotVersion,
    order_count: state.order_count,
    fill_count: state.fill_count,
    accounts: [...state.accounts.values()].map(accountSnapshot),
    orders: [...state.orders.values()].map(orderSnapshot),
    armed_exits: [...state.armed_exits_by_symbol.values()].flatMap((entries) =>
      [...entries].map((entry) => entry.id),
    ),
  };
}

function accountSnapshot(account: AccountRecord): EngineSnapshot['accounts'][number] {
  return {
    account_id: account.account_id,
    currency: account.currency,
    balance: account.balance,
    realized_pnl: account.realized_pnl,
    seq: account.seq,
    client_order_ids: [...account.client_order_ids],
    fills: account.fills.map((fill) => ({ ...fill })),
    positions: [...account.positions].map(([symbol, position]) => ({ symbol, ...position })),
    liquidity: [...account.liquidity].map(([symbol, use]) => ({ symbol, ...use })),
  };
}

function orderSnapshot(order: OrderRecord): EngineSnapshot['orders'][number] {
  const { fills, ...rest } = order;
  return { ...rest, fill_ids: fills.map((fill) => fill.id) };
}

/** Rebuilds a state from `serializeEngineState`'s output; throws a ZodError if it is not one. */
export function deserializeEngineState(json: unknown): EngineState {
  const snapshot = EngineSnapshot.parse(json);
  const state = createEngineState();
  state.order_count = snapshot.order_count;
  state.fill_count = snapshot.fill_count;
  const fillsById = new Map<string, AccountFill>();
  for (const saved of snapshot.accounts) {
    const account = createAccountRecord(saved.account_id, saved.currency, saved.balance);
    account.realized_pnl = saved.realized_pnl;
    account.seq = saved.seq;
    account.client_order_ids = new Map(saved.client_order_ids);
    account.fills = saved.fills;
    for (const fill of saved.fills) fillsById.set(fill.id, fill);
    for (const { symbol, ...position } of saved.positions) account.positions.set(symbol, position);
    for (const { symbol, ...use } of saved.liquidity) account.liquidity.set(symbol, use);
    state.accounts.set(account.account_id, account);
  }
  for (const { fill_ids, ...saved } of snapshot.orders) {
    const account = state.accounts.get(saved.account_id);
    if (account === undefined) {
      throw new Error(`Snapshot order ${saved.id} belongs to unknown account ${saved.account_id}`);
    }
    const order: OrderRecord = { ...saved, fills: fill_ids.map((id) => fillFor(fillsById, id)) };
    state.orders.set(order.id, order);
    account.order_ids.push(order.id);
    if (isLive(order)) indexLiveOrder(state, account, order);
  }
  for (const entryId of snapshot.armed_exits) {
    const entry = state.orders.get(entryId);
    const account = entry && state.accounts.get(entry.account_id);
    if (entry === undefined || account === undefined) {
      throw new Error(`Snapshot arms exits of unknown order ${entryId}`);
    }
    armExits(state, account, entry);
  }
  return state;
}

function fillFor(fillsById: ReadonlyMap<string, AccountFill>, id: string): AccountFill {
  const fill = fillsById.get(id);
  if (fill === undefined) throw new Error(`Snapshot order refers to unknown fill ${id}`);
  return fill;
}
