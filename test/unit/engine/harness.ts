import assert from 'node:assert/strict';
import { Instrument } from '../../../api/market';
import type { Order, OrderRequest } from '../../../api/orders';
import { OrderRequest as OrderRequestSchema } from '../../../api/orders';
import { openAccount } from '../../../sandbox/engine/accounts';
import { applyEvent, applyIdsKeyed } from '../../../sandbox/engine/apply';
import type { EngineEvent } from '../../../sandbox/engine/events';
import type { EngineFailure } from '../../../sandbox/engine/failures';
import type { BookTick, MarketView } from '../../../sandbox/engine/market-view';
import { placeOrder } from '../../../sandbox/engine/place-order';
import type { EngineState, ExitState } from '../../../sandbox/engine/state';
import { createEngineState, exitStateOf } from '../../../sandbox/engine/state';
import { getOrder, listFills } from '../../../sandbox/engine/views';
import { onTick } from '../../../sandbox/engine/tick';

const weekAround = {
  timezone: 'UTC' as const,
  sessions: [{ open: 'Sun 22:00', close: 'Fri 22:00' }],
  description: 'Sunday 22:00 to Friday 22:00 UTC',
};

function instrument(fields: Partial<Instrument> & Pick<Instrument, 'symbol'>): Instrument {
  // Parsing keeps the fixtures honest against the contract.
  return Instrument.parse({
    kind: 'forex',
    description: fields.symbol,
    quote_currency: 'USD',
    base: fields.symbol.slice(0, 3),
    tick_size: 0.00001,
    min_quantity: 1000,
    quantity_step: 1000,
    margin_rate: 0.0333,
    commission_rate: 0.00002,
    trading_hours: weekAround,
    ...fields,
  });
}

export const instruments: readonly Instrument[] = [
  instrument({ symbol: 'EURUSD' }),
  instrument({ symbol: 'USDJPY', quote_currency: 'JPY', base: 'USD', tick_size: 0.001 }),
  instrument({
    symbol: 'UK100',
    kind: 'index',
    quote_currency: 'GBP',
    base: 'index point',
    tick_size: 0.5,
    min_quantity: 0.1,
    quantity_step: 0.1,
    margin_rate: 0.05,
    commission_rate: 0.0001,
  }),
];

/**
 * A fresh state with ids keyed as a sandbox's are (with a fixed key, so runs repeat): the tests
 * then meet ids that do not sort as their numbers, and replays must use the same key.
 */
export function keyedEngineState(): EngineState {
  const state = createEngineState();
  applyIdsKeyed(state, {
    type: 'ids_keyed',
    t: t0,
    key:
      '09dedcfe27378ed100b01ce920075f13962e83cca6c936ccf20f36b035105a89' +
      '44290277ecdef5057c66666b07ffdb36d4b29128ae302af24dd09d2577a35b37',
    orders_before: 0,
    fills_before: 0,
  });
  return state;
}

export const day = 86_400_000;
/** Wednesday 2024-03-06 12:00 UTC. */
export const t0 = Date.UTC(2024, 2, 6, 12);

/** A market whose quotes, sessions and rates the test sets; answers depend only on arguments. */
export class FakeMarket implements MarketView {
  readonly closed = new Set<string>();
  readonly rates = new Map<string, number>([
    ['USD', 1],
    ['JPY', 1 / 150],
    ['GBP', 1.25],
  ]);
  private readonly ticks = new Map<string, BookTick[]>();
  private readonly bySymbol = new Map(instruments.map((entry) => [entry.symbol, entry]));

  instrument(symbol: string) {
    return this.bySymbol.get(symbol);
  }
  quote(symbol: string, t: number): BookTick | null {
    const history = this.ticks.get(symbol) ?? [];
    for (let index = history.length - 1; index >= 0; index--) {
      const tick = history[index];
      if (tick !== undefined && tick.t <= t) return tick;
    }
    return null;
  }
  isOpen(symbol: string) {
    return !this.closed.has(symbol);
  }
  /** Set to pretend the market knows no upcoming session. */
  noSessionAhead = false;
  /** Sessions end at midnight UTC. */
  sessionClose(_symbol: string, t: number) {
    return this.noSessionAhead ? Infinity : Math.floor(t / day + 1) * day;
  }
  usdPer(currency: string) {
    const rate = this.rates.get(currency);
    if (rate === undefined) throw new Error(`no rate for ${currency}`);
    return rate;
  }
  addTick(symbol: string, tick: BookTick) {
    const history = this.ticks.get(symbol) ?? [];
    history.push(tick);
    this.ticks.set(symbol, history);
  }
}

export interface TickFields {
  bid: number;
  ask: number;
  size?: number;
  bidSize?: number;
  askSize?: number;
}

/** An engine with a journal: every command's events are journaled and applied, as the HTTP layer will. */
export class Harness {
  state: EngineState = keyedEngineState();
  readonly market = new FakeMarket();
  readonly journal: EngineEvent[] = [];
  now = t0;

  constructor(accounts: readonly string[] = ['acc_a']) {
    for (const accountId of accounts) {
      const opened = openAccount(this.state, { accountId, t: this.now });
      assert.ok(opened.ok);
      this.record(opened.events);
    }
  }

  record(events: readonly EngineEvent[]): readonly EngineEvent[] {
    for (const event of events) {
      // Events must survive the journal: JSON out and back in unchanged.
      assert.deepEqual(JSON.parse(JSON.stringify(event)), event);
      this.journal.push(event);
      applyEvent(this.state, event);
    }
    return events;
  }

  quote(symbol: string, fields: TickFields, t = this.now): BookTick {
    const size = fields.size ?? 1_000_000;
    const tick = {
      t,
      bid: fields.bid,
      ask: fields.ask,
      bidSize: fields.bidSize ?? size,
      askSize: fields.askSize ?? size,
    };
    this.market.addTick(symbol, tick);
    return tick;
  }

  /** Advances the clock, adds the tick to the market and runs it through the engine. */
  tick(symbol: string, fields: TickFields, step = 1000): readonly EngineEvent[] {
    this.now += step;
    const tick = this.quote(symbol, fields);
    return this.record(onTick(this.state, this.market, { symbol, tick }));
  }

  place(request: Partial<OrderRequest> & Pick<OrderRequest, 'action'>, accountId = 'acc_a') {
    const result = this.tryPlace(request, accountId);
    if (!result.ok) assert.fail(`order refused: ${result.message}`);
    return result;
  }

  tryPlace(request: Partial<OrderRequest> & Pick<OrderRequest, 'action'>, accountId = 'acc_a') {
    const parsed = OrderRequestSchema.parse({
      symbol: 'EURUSD',
      quantity: 10_000,
      order_type: 'market',
      time_in_force: 'gtc',
      ...request,
    });
    const result = placeOrder(this.state, this.market, {
      accountId,
      t: this.now,
      request: parsed,
    });
    if (result.ok) this.record(result.events);
    return result;
  }

  /** Any account's order, as the API shows it, with its exits' state. */
  order(orderId: string) {
    const order = everyOrder(this.state).find((entry) => entry.id === orderId);
    assert.ok(order, `no order ${orderId}`);
    return order;
  }

  fills(accountId = 'acc_a') {
    return listFills(this.state, accountId, { limit: 5000 }).items;
  }

  account(accountId = 'acc_a') {
    const account = this.state.accounts.get(accountId);
    assert.ok(account, `no account ${accountId}`);
    return account;
  }
}

export interface OrderWithExits extends Order {
  account_id: string;
  quantity_step: number;
  exit_state: ExitState;
}

/** Every order of the state, oldest first, through the public views. */
export function everyOrder(state: EngineState): OrderWithExits[] {
  const orders: OrderWithExits[] = [];
  for (let number = 1; number <= state.order_count; number++) {
    const id = state.ids.orderId(number);
    for (const account of state.account_list) {
      const order = getOrder(state, account.account_id, id);
      if (order === undefined) continue;
      const step = instruments.find((entry) => entry.symbol === order.symbol)?.quantity_step ?? 1;
      orders.push({
        ...order,
        account_id: account.account_id,
        quantity_step: step,
        exit_state: exitStateOf(state, number),
      });
    }
  }
  return orders;
}

export function expectFailure(result: { ok: true } | EngineFailure): EngineFailure {
  if (result.ok) assert.fail('expected the command to be refused');
  return result;
}

export function eventTypes(events: readonly EngineEvent[]): string[] {
  return events.map((event) => event.type);
}
