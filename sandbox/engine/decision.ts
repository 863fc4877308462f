import type { OrderAction, OrderType, TimeInForce } from '../../api/orders';
import type {
  CancelReason,
  EngineEvent,
  ExpiryReason,
  OrderAcceptedEvent,
  OrderFilledEvent,
} from './events';
import type {
  AccountRecord,
  EngineState,
  LiquidityUse,
  OrderRecord,
  PositionRecord,
} from './state';
import { isLive } from './state';
import { roundMoney, snapToStep } from './grid';

/** What a decision reads of an account, including the effect of the events it has produced so far. */
export interface AccountDraft {
  readonly record: AccountRecord;
  nextSeq: number;
  balance: number;
  /** Positions this decision has changed (quantity 0 when it closed one). */
  readonly positions: Map<string, PositionRecord>;
  readonly liquidity: Map<string, LiquidityUse>;
}

/** What a decision reads of an order, including its fills and end within the decision. */
export interface OrderDraft {
  readonly id: string;
  readonly account_id: string;
  readonly symbol: string;
  readonly action: OrderAction;
  readonly order_type: OrderType;
  readonly limit_price: number | null;
  readonly time_in_force: TimeInForce;
  readonly quantity: number;
  readonly quantity_step: number;
  readonly tick_size: number;
  readonly parent_order_id: string | null;
  filled_quantity: number;
  live: boolean;
}

export type NewOrder = Omit<OrderAcceptedEvent, 'type' | 'account_id' | 'seq' | 't' | 'order_id'>;
export type FillFacts = Pick<
  OrderFilledEvent,
  'price' | 'quantity' | 'fee' | 'realized_pnl' | 'usd_rate' | 'tick_t'
> & { position: PositionRecord };

const flat: PositionRecord = { quantity: 0, avg_price: 0 };

/**
 * The scratch side of a command. Deciding never mutates engine state, yet one command can emit
 * several events whose numbers depend on each other (a second fill on a tick realizes P&L against
 * the position the first one left). The decision keeps those effects here, and `applyEvent` later
 * makes them real; the two must agree, which the replay tests check.
 */
export class Decision {
  readonly events: EngineEvent[] = [];
  readonly newOrders: OrderDraft[] = [];
  private orderCount: number;
  private fillCount: number;
  private readonly accountDrafts = new Map<string, AccountDraft>();
  private readonly orderDrafts = new Map<string, OrderDraft>();

  constructor(
    readonly state: EngineState,
    readonly t: number,
  ) {
    this.orderCount = state.order_count;
    this.fillCount = state.fills.count;
  }

  account(record: AccountRecord): AccountDraft {
    let draft = this.accountDrafts.get(record.account_id);
    if (draft === undefined) {
      draft = {
        record,
        nextSeq: record.seq + 1,
        balance: record.balance,
        positions: new Map(),
        liquidity: new Map(),
      };
      this.accountDrafts.set(record.account_id, draft);
    }
    return draft;
  }

  order(record: OrderRecord): OrderDraft {
    let draft = this.orderDrafts.get(record.id);
    if (draft === undefined) {
      draft = {
        id: record.id,
        account_id: record.account_id,
        symbol: record.symbol,
        action: record.action,
        order_type: record.order_type,
        limit_price: record.limit_price,
        time_in_force: record.time_in_force,
        quantity: record.quantity,
        quantity_step: record.quantity_step,
        tick_size: record.tick_size,
        parent_order_id: record.parent_order_id,
        filled_quantity: record.filled_quantity,
        live: isLive(record),
      };
      this.orderDrafts.set(record.id, draft);
    }
    return draft;
  }

  /** The order's draft if this decision touched it, else the record itself (read only). */
  peekOrder(record: OrderRecord): Pick<OrderDraft, 'filled_quantity' | 'quantity'> & {
    live: boolean;
  } {
    return this.orderDrafts.get(record.id) ?? { ...record, live: isLive(record) };
  }

  position(account: AccountDraft, symbol: string): PositionRecord {
    return account.positions.get(symbol) ?? account.record.positions.get(symbol) ?? flat;
  }

  /** Every open position of the account as this decision leaves it. */
  positionsOf(account: AccountDraft): ReadonlyMap<string, PositionRecord> {
    if (account.positions.size === 0) return account.record.positions;
    const merged = new Map(account.record.positions);
    for (const [symbol, position] of account.positions) {
      if (position.quantity === 0) merged.delete(symbol);
      else merged.set(symbol, position);
    }
    return merged;
  }

  /** What the account has taken of this tick's book, as a draft the caller may read. */
  liquidity(account: AccountDraft, symbol: string, tickT: number): LiquidityUse {
    let use = account.liquidity.get(symbol);
    if (use === undefined || use.tick_t !== tickT) {
      const recorded = account.record.liquidity.get(symbol);
      use =
        recorded !== undefined && recorded.tick_t === tickT
          ? { ...recorded }
          : { tick_t: tickT, bid_used: 0, ask_used: 0 };
      account.liquidity.set(symbol, use);
    }
    return use;
  }

  accept(account: AccountDraft, order: NewOrder): OrderDraft {
    this.orderCount += 1;
    const event: OrderAcceptedEvent = {
      type: 'order_accepted',
      ...this.envelope(account),
      order_id: this.state.ids.orderId(this.orderCount),
      ...order,
    };
    this.events.push(event);
    const draft: OrderDraft = {
      id: event.order_id,
      account_id: event.account_id,
      symbol: order.symbol,
      action: order.action,
      order_type: order.order_type,
      limit_price: order.limit_price,
      time_in_force: order.time_in_force,
      quantity: order.quantity,
      quantity_step: order.quantity_step,
      tick_size: order.tick_size,
      parent_order_id: order.parent_order_id,
      filled_quantity: 0,
      live: true,
    };
    this.orderDrafts.set(draft.id, draft);
    this.newOrders.push(draft);
    return draft;
  }

  fill(account: AccountDraft, order: OrderDraft, facts: FillFacts): void {
    this.fillCount += 1;
    this.events.push({
      type: 'order_filled',
      ...this.envelope(account),
      order_id: order.id,
      fill_id: this.state.ids.fillId(this.fillCount),
      symbol: order.symbol,
      action: order.action,
      price: facts.price,
      quantity: facts.quantity,
      fee: facts.fee,
      realized_pnl: facts.realized_pnl,
      usd_rate: facts.usd_rate,
      tick_t: facts.tick_t,
      position_quantity: facts.position.quantity,
      position_avg_price: facts.position.avg_price,
    });
    order.filled_quantity = snapToStep(order.filled_quantity + facts.quantity, order.quantity_step);
    if (order.filled_quantity >= order.quantity) order.live = false;
    account.balance = roundMoney(account.balance + facts.realized_pnl - facts.fee);
    account.positions.set(order.symbol, facts.position);
    const use = this.liquidity(account, order.symbol, facts.tick_t);
    if (order.action === 'buy')
      use.ask_used = snapToStep(use.ask_used + facts.quantity, order.quantity_step);
    else use.bid_used = snapToStep(use.bid_used + facts.quantity, order.quantity_step);
  }

  cancel(account: AccountDraft, order: OrderDraft, reason: CancelReason): void {
    order.live = false;
    this.events.push({
      type: 'order_cancelled',
      ...this.envelope(account),
      order_id: order.id,
      reason,
    });
  }

  expire(account: AccountDraft, order: OrderDraft, reason: ExpiryReason): void {
    order.live = false;
    this.events.push({
      type: 'order_expired',
      ...this.envelope(account),
      order_id: order.id,
      reason,
    });
  }

  reject(account: AccountDraft, order: OrderDraft, rejectReason: string): void {
    order.live = false;
    this.events.push({
      type: 'order_rejected',
      ...this.envelope(account),
      order_id: order.id,
      reject_reason: rejectReason,
    });
  }

  resetAccount(account: AccountDraft, currency: string, balance: number): void {
    this.events.push({ type: 'account_reset', ...this.envelope(account), currency, balance });
  }

  private envelope(account: AccountDraft) {
    const seq = account.nextSeq;
    account.nextSeq += 1;
    return { account_id: account.record.account_id, seq, t: this.t };
  }
}
