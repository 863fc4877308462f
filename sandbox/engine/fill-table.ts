import type { AccountFill } from '../../api/account';
import type { Fill, OrderAction } from '../../api/orders';
import { Float64Column, Int32Column } from './columns';
import type { IdCodec } from './ids';

/**
 * Every fill ever made, in columns indexed by fill number (from 1). Fills never change once
 * made; those of one order are chained through `next` so an order needs only its first and last.
 */
export class FillTable {
  count = 0;
  private readonly order = new Int32Column();
  private readonly price = new Float64Column();
  private readonly quantity = new Float64Column();
  private readonly fee = new Float64Column();
  private readonly realizedPnl = new Float64Column();
  private readonly time = new Float64Column();
  private readonly next = new Int32Column();

  /** Appends a fill, chaining it after `previous` (the order's last fill, 0 for none). */
  append(
    orderNumber: number,
    fill: { price: number; quantity: number; fee: number; realized_pnl: number; t: number },
    previous: number,
  ): number {
    const number = this.count + 1;
    this.count = number;
    this.order.set(number, orderNumber);
    this.price.set(number, fill.price);
    this.quantity.set(number, fill.quantity);
    this.fee.set(number, fill.fee);
    this.realizedPnl.set(number, fill.realized_pnl);
    this.time.set(number, fill.t);
    if (previous !== 0) this.next.set(previous, number);
    return number;
  }

  orderOf(number: number): number {
    return this.order.get(number);
  }

  timeOf(number: number): number {
    return this.time.get(number);
  }

  /** The fills of one order, oldest first, from its first fill number. */
  fillsFrom(first: number, ids: IdCodec): Fill[] {
    const fills: Fill[] = [];
    for (let number = first; number !== 0; number = this.next.get(number)) {
      fills.push({
        id: ids.fillId(number),
        price: this.price.get(number),
        quantity: this.quantity.get(number),
        fee: this.fee.get(number),
        t: this.time.get(number),
      });
    }
    return fills;
  }

  accountFill(number: number, symbol: string, action: OrderAction, ids: IdCodec): AccountFill {
    return {
      id: ids.fillId(number),
      order_id: ids.orderId(this.order.get(number)),
      symbol,
      action,
      price: this.price.get(number),
      quantity: this.quantity.get(number),
      fee: this.fee.get(number),
      realized_pnl: this.realizedPnl.get(number),
      t: this.time.get(number),
    };
  }

  /** The columns themselves, for binary snapshots (engine/snapshot.ts), which write and read them without copies. */
  columns(): Record<(typeof fillColumnNames)[number], Float64Column | Int32Column> {
    return {
      order: this.order,
      price: this.price,
      quantity: this.quantity,
      fee: this.fee,
      realized_pnl: this.realizedPnl,
      t: this.time,
      next: this.next,
    };
  }

  /** Each column as base64 of its rows (see columns.ts). */
  toJSON(): FillColumns {
    const count = this.count;
    return {
      order: this.order.encode(count),
      price: this.price.encode(count),
      quantity: this.quantity.encode(count),
      fee: this.fee.encode(count),
      realized_pnl: this.realizedPnl.encode(count),
      t: this.time.encode(count),
      next: this.next.encode(count),
    };
  }

  load(columns: FillColumns, count: number): void {
    this.count = count;
    this.order.decode(columns.order, count);
    this.price.decode(columns.price, count);
    this.quantity.decode(columns.quantity, count);
    this.fee.decode(columns.fee, count);
    this.realizedPnl.decode(columns.realized_pnl, count);
    this.time.decode(columns.t, count);
    this.next.decode(columns.next, count);
  }
}

export const fillColumnNames = [
  'order',
  'price',
  'quantity',
  'fee',
  'realized_pnl',
  't',
  'next',
] as const;
export type FillColumns = Record<(typeof fillColumnNames)[number], string>;
