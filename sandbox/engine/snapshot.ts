import { z } from 'zod';
import { Price, Quantity, Timestamp } from '../../api/common';
import { Order } from '../../api/orders';
import type { CapturedRows, RowSource } from './columns';
import { Float64Column, type Int32Column } from './columns';
import { fillColumnNames } from './fill-table';
import { IdCodec } from './ids';
import { archiveColumnNames } from './order-archive';
import type { AccountRecord, EngineState, OrderRecord } from './state';
import {
  addAccountRecord,
  armExits,
  createEngineState,
  indexLiveOrder,
  isLive,
  symbolIndexOf,
} from './state';

// A snapshot holds only what applyEvent produced; the indexes are rebuilt from it. The one
// order that cannot be rebuilt from ids is the arming order of exits, so it is stored.

const snapshotFormat = 'timber-engine-state';
// Version 5 (binary 6) added the id key. Earlier ones still load, unkeyed; an earlier sandbox
// refuses the new ones instead of dropping the key and giving out ids that clash with them.
const snapshotVersion = 5;
const unkeyedVersion = 3;

/** A column: base64 of its rows' bytes in the machine's byte order (see columns.ts). */
const Column = z.string();

function columnsOf<const N extends string>(names: readonly N[]) {
  return z.object(
    Object.fromEntries(names.map((name) => [name, Column])) as Record<N, typeof Column>,
  );
}

const HotOrder = Order.omit({ fills: true }).extend({
  number: z.number().int().positive(),
  account_id: z.string(),
  expires_at: Timestamp.nullable(),
  tick_size: Price,
  quantity_step: Quantity,
  filled_notional: z.number(),
  first_fill: z.number().int().nonnegative(),
  last_fill: z.number().int().nonnegative(),
  exit_state: z.enum(['idle', 'armed', 'triggered']),
});

const AccountSnapshot = z.object({
  account_id: z.string(),
  currency: z.string().length(3),
  balance: z.number(),
  realized_pnl: z.number(),
  seq: z.number().int().nonnegative(),
  client_order_ids: z.array(z.tuple([z.string(), z.number().int().positive()])),
  positions: z.array(z.object({ symbol: z.string(), quantity: z.number(), avg_price: z.number() })),
  liquidity: z.array(
    z.object({ symbol: z.string(), tick_t: Timestamp, bid_used: z.number(), ask_used: z.number() }),
  ),
});

const sparseStrings = z.array(z.tuple([z.number().int().positive(), z.string()]));

const IdKey = z.object({
  key: z.string(),
  orders_before: z.number().int().nonnegative(),
  fills_before: z.number().int().nonnegative(),
});

export const EngineSnapshot = z.object({
  format: z.literal(snapshotFormat),
  version: z.union([z.literal(snapshotVersion), z.literal(unkeyedVersion)]),
  order_count: z.number().int().nonnegative(),
  /** The id key (ids.ts); null until the data folder is keyed, absent before version 5. */
  ids: IdKey.nullable().optional(),
  symbols: z.array(z.string()),
  /** In the order they were opened. */
  accounts: z.array(AccountSnapshot),
  /** Orders still in play, by number. */
  hot_orders: z.array(HotOrder),
  /** Finished orders: one row per order number in each column (rows of hot orders unused). */
  archive: z.object({
    columns: columnsOf(archiveColumnNames),
    client_order_ids: sparseStrings,
    reject_reasons: sparseStrings,
  }),
  fill_count: z.number().int().nonnegative(),
  fills: columnsOf(fillColumnNames),
  /** Numbers of entry orders with armed exits, in arming order. */
  armed_exits: z.array(z.number().int().positive()),
});
export type EngineSnapshot = z.infer<typeof EngineSnapshot>;

/** Plain JSON of the state, for snapshots; `deserializeEngineState` reads it back. */
export function serializeEngineState(state: EngineState): EngineSnapshot {
  return {
    ...serializeSmallParts(state),
    archive: state.archive.toJSON(state.order_count),
    fills: state.fills.toJSON(),
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
    positions: [...account.positions].map(([symbol, position]) => ({ symbol, ...position })),
    liquidity: [...account.liquidity].map(([symbol, use]) => ({ symbol, ...use })),
  };
}

/** Rebuilds a state from `serializeEngineState`'s output; throws if it is not one. */
export function deserializeEngineState(json: unknown): EngineState {
  const snapshot = EngineSnapshot.parse(json);
  const state = createEngineState();
  restoreAccounts(state, snapshot);
  state.archive.load(snapshot.archive, snapshot.order_count);
  state.fills.load(snapshot.fills, snapshot.fill_count);
  restoreHotOrders(state, snapshot);
  return state;
}

// The binary form: the same, except that each column is a section of raw bytes (rows 0..count,
// see columns.ts) that a restart uses in place, and the meta names the section of each column.

const binaryVersion = 6;
const unkeyedBinaryVersion = 4;
const SectionNumber = z.number().int().nonnegative();

function sectionsOf<const N extends string>(names: readonly N[]) {
  return z.object(
    Object.fromEntries(names.map((name) => [name, SectionNumber])) as Record<
      N,
      typeof SectionNumber
    >,
  );
}

export const EngineImageMeta = EngineSnapshot.extend({
  version: z.union([z.literal(binaryVersion), z.literal(unkeyedBinaryVersion)]),
  archive: z.object({
    columns: sectionsOf(archiveColumnNames),
    client_order_ids: sparseStrings,
    reject_reasons: sparseStrings,
  }),
  fills: sectionsOf(fillColumnNames),
});
export type EngineImageMeta = z.infer<typeof EngineImageMeta>;

/** The state as JSON meta plus sections of bytes, each pulled piece by piece when written. */
export interface EngineImage {
  meta: EngineImageMeta;
  sections: CapturedRows[];
}

/**
 * Captures the state for a binary snapshot, in about a millisecond: the columns are frozen rather
 * than copied (see `capture` in columns.ts), so the sections may be written out later.
 */
export function captureEngineState(state: EngineState): EngineImage {
  const sections: CapturedRows[] = [];
  const add = (rows: CapturedRows) => sections.push(rows) - 1;
  const archive = state.archive.columns();
  const fills = state.fills.columns();
  const sparse = state.archive.sparseStrings();
  const meta: EngineImageMeta = {
    ...serializeSmallParts(state),
    version: binaryVersion,
    archive: {
      columns: Object.fromEntries(
        archiveColumnNames.map((name) => [name, add(archive[name].capture(state.order_count))]),
      ) as EngineImageMeta['archive']['columns'],
      client_order_ids: [...sparse.clientOrderIds],
      reject_reasons: [...sparse.rejectReasons],
    },
    fills: Object.fromEntries(
      fillColumnNames.map((name) => [name, add(fills[name].capture(state.fills.count))]),
    ) as EngineImageMeta['fills'],
  };
  return { meta, sections };
}

/**
 * Rebuilds a state from `captureEngineState`'s meta and its sections: `sectionAt(index, bytes)`
 * gives where to read section `index`, which must hold `bytes` bytes. Columns are read lazily,
 * a chunk at a time as rows are used (see columns.ts); `loadEngineColumns` reads the rest.
 */
export function restoreEngineState(
  json: unknown,
  sectionAt: (index: number, byteLength: number) => RowSource,
): EngineState {
  const meta = EngineImageMeta.parse(json);
  const state = createEngineState();
  restoreAccounts(state, meta);
  const adopt = (column: Float64Column | Int32Column, section: number, count: number) => {
    const rowBytes = column instanceof Float64Column ? 8 : 4;
    column.adoptLazily(sectionAt(section, (count + 1) * rowBytes), count);
  };
  const archive = state.archive.columns();
  for (const name of archiveColumnNames) {
    adopt(archive[name], meta.archive.columns[name], meta.order_count);
  }
  const sparse = state.archive.sparseStrings();
  for (const [row, id] of meta.archive.client_order_ids) sparse.clientOrderIds.set(row, id);
  for (const [row, reason] of meta.archive.reject_reasons) sparse.rejectReasons.set(row, reason);
  const fills = state.fills.columns();
  for (const name of fillColumnNames) adopt(fills[name], meta.fills[name], meta.fill_count);
  state.fills.count = meta.fill_count;
  restoreHotOrders(state, meta);
  return state;
}

/** Reads every column chunk a restore left in the snapshot file, so the file can be closed. */
export function loadEngineColumns(state: EngineState): void {
  for (const column of Object.values(state.archive.columns())) column.loadAll();
  for (const column of Object.values(state.fills.columns())) column.loadAll();
}

type SmallParts = Omit<EngineSnapshot, 'archive' | 'fills'>;

function serializeSmallParts(state: EngineState): SmallParts {
  return {
    format: snapshotFormat,
    version: snapshotVersion,
    order_count: state.order_count,
    ids: state.ids.record,
    symbols: [...state.symbols],
    accounts: state.account_list.map(accountSnapshot),
    hot_orders: [...state.hot_orders.values()]
      .sort((a, b) => a.number - b.number)
      .map((order) => ({ ...order })),
    fill_count: state.fills.count,
    armed_exits: [...state.armed_exits_by_symbol.values()].flatMap((entries) =>
      [...entries].map((entry) => entry.number),
    ),
  };
}

function restoreAccounts(
  state: EngineState,
  snapshot: Pick<SmallParts, 'accounts' | 'symbols' | 'order_count' | 'ids'>,
) {
  if (snapshot.ids) state.ids = new IdCodec(snapshot.ids);
  for (const saved of snapshot.accounts) {
    const account = addAccountRecord(state, saved.account_id, saved.currency, saved.balance);
    account.realized_pnl = saved.realized_pnl;
    account.seq = saved.seq;
    account.client_order_ids = new Map(saved.client_order_ids);
    for (const { symbol, ...position } of saved.positions) account.positions.set(symbol, position);
    for (const { symbol, ...use } of saved.liquidity) account.liquidity.set(symbol, use);
  }
  for (const symbol of snapshot.symbols) symbolIndexOf(state, symbol);
  state.order_count = snapshot.order_count;
}

/** Hot orders back in, then every index rebuilt; needs the archive and fills loaded first. */
function restoreHotOrders(
  state: EngineState,
  snapshot: Pick<SmallParts, 'hot_orders' | 'armed_exits'>,
) {
  for (const saved of snapshot.hot_orders) {
    const order: OrderRecord = { ...saved };
    state.hot_orders.set(order.number, order);
  }
  rebuildIndexes(state, snapshot.armed_exits);
}

// Runs over every order and fill of a restore, so it avoids a map lookup per row (orders in play
// are few, and are met in number order) and sizes each account's lists before filling them.
function rebuildIndexes(state: EngineState, armedExits: readonly number[]) {
  const hot = [...state.hot_orders.values()].sort((a, b) => a.number - b.number);
  const accounts = state.account_list;
  const hotAccount = (record: OrderRecord): number => {
    const account = state.accounts.get(record.account_id);
    if (account === undefined) throw new Error(`Snapshot order ${record.number} has no account`);
    return account.index;
  };
  const checked = (index: number, orderNumber: number): number => {
    if (index < 0 || index >= accounts.length) {
      throw new Error(`Snapshot order ${orderNumber} has no account`);
    }
    return index;
  };
  // The account of every order, then of every fill: two passes each, to count and then to place.
  const forEachOrder = (visit: (number: number, account: number) => void) => {
    let nextHot = 0;
    for (let number = 1; number <= state.order_count; number++) {
      if (nextHot < hot.length && hot[nextHot].number === number) {
        visit(number, hotAccount(hot[nextHot++]));
      } else {
        visit(number, checked(state.archive.accountOf(number), number));
      }
    }
    if (nextHot < hot.length) {
      throw new Error(`Snapshot order ${hot[nextHot].number} is past the order count`);
    }
  };
  const firstHot = hot.length > 0 ? hot[0].number : Infinity;
  const forEachFill = (visit: (number: number, account: number) => void) => {
    for (let number = 1; number <= state.fills.count; number++) {
      const orderNumber = state.fills.orderOf(number);
      const record = orderNumber >= firstHot ? state.hot_orders.get(orderNumber) : undefined;
      const account =
        record !== undefined
          ? hotAccount(record)
          : checked(state.archive.accountOf(orderNumber), orderNumber);
      visit(number, account);
    }
  };
  const orderCounts = new Int32Array(accounts.length);
  const fillCounts = new Int32Array(accounts.length);
  forEachOrder((_, account) => orderCounts[account]++);
  forEachFill((_, account) => fillCounts[account]++);
  for (const account of accounts) {
    account.order_numbers = new Array<number>(orderCounts[account.index]);
    account.fill_numbers = new Array<number>(fillCounts[account.index]);
  }
  orderCounts.fill(0);
  fillCounts.fill(0);
  forEachOrder((number, account) => {
    accounts[account].order_numbers[orderCounts[account]++] = number;
  });
  forEachFill((number, account) => {
    accounts[account].fill_numbers[fillCounts[account]++] = number;
  });
  for (const record of hot) {
    if (isLive(record)) indexLiveOrder(state, accounts[hotAccount(record)], record);
  }
  for (const number of armedExits) {
    const entry = state.hot_orders.get(number);
    if (entry === undefined) throw new Error(`Snapshot arms exits of order ${number}, not in play`);
    armExits(state, accounts[hotAccount(entry)], entry);
  }
}
