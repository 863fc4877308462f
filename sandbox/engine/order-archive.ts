import type { Order, OrderStatus } from '../../api/orders';
import { orderStatuses } from '../../api/orders';
import { Float64Column, Int32Column, nullIfNaN, orNaN } from './columns';
import type { ExitTrigger } from './events';
import type { FillTable } from './fill-table';
import type { IdCodec } from './ids';
import type { ExitState, OrderRecord } from './state';

const actions = ['buy', 'sell'] as const;
const orderTypes = ['market', 'limit'] as const;
const timesInForce = ['gtc', 'day', 'ioc'] as const;
const triggers = [null, 'stop_loss', 'take_profit'] as const;
const exitStates = ['idle', 'armed', 'triggered'] as const;

/** The small enumerations of an order share one integer: [shift, width in bits, values]. */
const flagFields = {
  action: [0, 1, actions],
  orderType: [1, 1, orderTypes],
  timeInForce: [2, 2, timesInForce],
  status: [4, 3, orderStatuses],
  trigger: [7, 2, triggers],
  exitState: [9, 2, exitStates],
} as const;
type FlagField = keyof typeof flagFields;
type FlagValue<F extends FlagField> = (typeof flagFields)[F][2][number];

function packFlags(order: OrderRecord): number {
  return (
    code('action', order.action) |
    code('orderType', order.order_type) |
    code('timeInForce', order.time_in_force) |
    code('status', order.status) |
    code('trigger', order.trigger) |
    code('exitState', order.exit_state)
  );
}

function code<F extends FlagField>(field: F, value: FlagValue<F>): number {
  const [shift, , values] = flagFields[field];
  const index = (values as readonly FlagValue<F>[]).indexOf(value);
  if (index < 0) throw new Error(`Cannot archive ${field} ${String(value)}`);
  return index << shift;
}

function unpack<F extends FlagField>(flags: number, field: F): FlagValue<F> {
  const [shift, width, values] = flagFields[field];
  const value = (values as readonly FlagValue<F>[])[(flags >>> shift) & ((1 << width) - 1)];
  if (value === undefined) throw new Error(`Archived ${field} has an unknown code`);
  return value;
}

/**
 * Orders that can no longer change (finished, with no armed exits), in columns indexed by order
 * number; rows of orders still in play stay unused until they finish. What only matching needs
 * (expiry, the instrument's grid, the fill notional) is not kept.
 */
export class OrderArchive {
  private readonly account = new Int32Column();
  private readonly symbol = new Int32Column();
  private readonly flags = new Int32Column();
  private readonly parent = new Int32Column();
  private readonly firstFill = new Int32Column();
  private readonly quantity = new Float64Column();
  private readonly filledQuantity = new Float64Column();
  private readonly limitPrice = new Float64Column();
  private readonly stopLoss = new Float64Column();
  private readonly takeProfit = new Float64Column();
  private readonly avgFillPrice = new Float64Column();
  private readonly createdAt = new Float64Column();
  private readonly updatedAt = new Float64Column();
  /** Sparse: most orders have neither. */
  private readonly clientOrderIds = new Map<number, string>();
  private readonly rejectReasons = new Map<number, string>();

  store(order: OrderRecord, accountIndex: number, symbolIndex: number, parent: number): void {
    const row = order.number;
    this.account.set(row, accountIndex);
    this.symbol.set(row, symbolIndex);
    this.flags.set(row, packFlags(order));
    this.parent.set(row, parent);
    this.firstFill.set(row, order.first_fill);
    this.quantity.set(row, order.quantity);
    this.filledQuantity.set(row, order.filled_quantity);
    this.limitPrice.set(row, orNaN(order.limit_price));
    this.stopLoss.set(row, orNaN(order.stop_loss));
    this.takeProfit.set(row, orNaN(order.take_profit));
    this.avgFillPrice.set(row, orNaN(order.avg_fill_price));
    this.createdAt.set(row, order.created_at);
    this.updatedAt.set(row, order.updated_at);
    if (order.client_order_id !== null) this.clientOrderIds.set(row, order.client_order_id);
    if (order.reject_reason !== undefined) this.rejectReasons.set(row, order.reject_reason);
  }

  accountOf(row: number): number {
    return this.account.get(row);
  }

  symbolOf(row: number): number {
    return this.symbol.get(row);
  }

  statusOf(row: number): OrderStatus {
    return unpack(this.flags.get(row), 'status');
  }

  actionOf(row: number): 'buy' | 'sell' {
    return unpack(this.flags.get(row), 'action');
  }

  exitStateOf(row: number): ExitState {
    return unpack(this.flags.get(row), 'exitState');
  }

  view(row: number, symbol: string, fills: FillTable, ids: IdCodec): Order {
    const flags = this.flags.get(row);
    const parent = this.parent.get(row);
    const view: Order = {
      id: ids.orderId(row),
      client_order_id: this.clientOrderIds.get(row) ?? null,
      symbol,
      action: unpack(flags, 'action'),
      quantity: this.quantity.get(row),
      filled_quantity: this.filledQuantity.get(row),
      order_type: unpack(flags, 'orderType'),
      limit_price: nullIfNaN(this.limitPrice.get(row)),
      stop_loss: nullIfNaN(this.stopLoss.get(row)),
      take_profit: nullIfNaN(this.takeProfit.get(row)),
      time_in_force: unpack(flags, 'timeInForce'),
      status: unpack(flags, 'status'),
      avg_fill_price: nullIfNaN(this.avgFillPrice.get(row)),
      fills: fills.fillsFrom(this.firstFill.get(row), ids),
      created_at: this.createdAt.get(row),
      updated_at: this.updatedAt.get(row),
      parent_order_id: parent === 0 ? null : ids.orderId(parent),
      trigger: unpack(flags, 'trigger') satisfies ExitTrigger | null,
    };
    const rejectReason = this.rejectReasons.get(row);
    if (rejectReason !== undefined) view.reject_reason = rejectReason;
    return view;
  }

  /** The columns themselves, for binary snapshots (engine/snapshot.ts), which write and read them without copies. */
  columns(): Record<ArchiveColumnName, Float64Column | Int32Column> {
    return {
      account: this.account,
      symbol: this.symbol,
      flags: this.flags,
      parent: this.parent,
      first_fill: this.firstFill,
      quantity: this.quantity,
      filled_quantity: this.filledQuantity,
      limit_price: this.limitPrice,
      stop_loss: this.stopLoss,
      take_profit: this.takeProfit,
      avg_fill_price: this.avgFillPrice,
      created_at: this.createdAt,
      updated_at: this.updatedAt,
    };
  }

  /** The sparse strings themselves, for binary snapshots. */
  sparseStrings(): { clientOrderIds: Map<number, string>; rejectReasons: Map<number, string> } {
    return { clientOrderIds: this.clientOrderIds, rejectReasons: this.rejectReasons };
  }

  toJSON(orderCount: number): ArchiveSnapshot {
    const columns = this.columns();
    return {
      columns: Object.fromEntries(
        archiveColumnNames.map((name) => [name, columns[name].encode(orderCount)]),
      ) as ArchiveSnapshot['columns'],
      client_order_ids: [...this.clientOrderIds],
      reject_reasons: [...this.rejectReasons],
    };
  }

  load(snapshot: ArchiveSnapshot, orderCount: number): void {
    const columns = this.columns();
    for (const name of archiveColumnNames) columns[name].decode(snapshot.columns[name], orderCount);
    for (const [row, id] of snapshot.client_order_ids) this.clientOrderIds.set(row, id);
    for (const [row, reason] of snapshot.reject_reasons) this.rejectReasons.set(row, reason);
  }
}

export const archiveColumnNames = [
  'account',
  'symbol',
  'flags',
  'parent',
  'first_fill',
  'quantity',
  'filled_quantity',
  'limit_price',
  'stop_loss',
  'take_profit',
  'avg_fill_price',
  'created_at',
  'updated_at',
] as const;
export type ArchiveColumnName = (typeof archiveColumnNames)[number];

export interface ArchiveSnapshot {
  /** Each column as base64 of its rows 1..order count (see columns.ts). */
  columns: Record<ArchiveColumnName, string>;
  client_order_ids: [number, string][];
  reject_reasons: [number, string][];
}
