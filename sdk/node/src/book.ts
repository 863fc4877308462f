import type { Account } from '../../../api/account';
import type { Order } from '../../../api/orders';

/**
 * What a live strategy knows of its account between requests: positions and open orders, kept
 * from the order updates of the stream and the answers of REST, whichever arrives first. Each
 * fill counts once (by id), and an order that ended never comes back to life when an older view
 * of it arrives late.
 */
export class LiveBook {
  private readonly positions = new Map<string, number>();
  private readonly open = new Map<string, Order>();
  private readonly ended = new Set<string>();
  private readonly fillsSeen = new Set<string>();
  private snapshot: Account;

  constructor(account: Account, openOrders: readonly Order[]) {
    this.snapshot = account;
    for (const position of account.positions)
      this.positions.set(position.symbol, position.quantity);
    // Their fills are already in the positions above.
    for (const order of openOrders) {
      for (const fill of order.fills) this.fillsSeen.add(fill.id);
      this.open.set(order.id, order);
    }
  }

  /** Any view of an order: a REST answer or a stream update. */
  applyOrder(order: Order): void {
    for (const fill of order.fills) {
      if (this.fillsSeen.has(fill.id)) continue;
      this.fillsSeen.add(fill.id);
      const signed = order.action === 'buy' ? fill.quantity : -fill.quantity;
      const next = roundQuantity((this.positions.get(order.symbol) ?? 0) + signed);
      if (next === 0) this.positions.delete(order.symbol);
      else this.positions.set(order.symbol, next);
    }
    if (this.ended.has(order.id)) return;
    if (order.status === 'open' || order.status === 'partially_filled') {
      this.open.set(order.id, order);
    } else {
      this.open.delete(order.id);
      this.ended.add(order.id);
    }
  }

  applyAccount(account: Account): void {
    this.snapshot = account;
  }

  position(symbol: string): number {
    return this.positions.get(symbol) ?? 0;
  }

  openOrders(symbol?: string): Order[] {
    const all = [...this.open.values()];
    return symbol === undefined ? all : all.filter((order) => order.symbol === symbol);
  }

  account(): Account {
    return this.snapshot;
  }
}

/** Sums of fill quantities carry float noise (0.1 + 0.2); quantities live on a coarse grid. */
function roundQuantity(value: number): number {
  return Math.round(value * 1e8) / 1e8;
}
