import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccountFill } from '../../../api/account';
import { Order } from '../../../api/orders';
import { cancelOrder } from '../../../sandbox/engine/cancel';
import { orderUpdateFor } from '../../../sandbox/engine/order-updates';
import { applyEvent } from '../../../sandbox/engine/apply';
import { getOrder, listFills, listOrders } from '../../../sandbox/engine/views';
import { Harness, keyedEngineState } from './harness';

/** Two filled market orders, a cancelled limit, an open limit and a USDJPY fill, in that order. */
function history() {
  const engine = new Harness(['acc_a', 'acc_b']);
  engine.quote('EURUSD', { bid: 1.1, ask: 1.1001 });
  engine.quote('USDJPY', { bid: 150, ask: 150.01 });
  const filled = [engine.place({ action: 'buy' }).order, engine.place({ action: 'sell' }).order];
  const cancelled = engine.place({ action: 'buy', order_type: 'limit', limit_price: 1.09 }).order;
  const result = cancelOrder(engine.state, {
    accountId: 'acc_a',
    orderId: cancelled.id,
    t: engine.now,
  });
  assert.ok(result.ok);
  engine.record(result.events);
  const open = engine.place({ action: 'buy', order_type: 'limit', limit_price: 1.08 }).order;
  engine.now += 60_000;
  const yen = engine.place({ action: 'buy', symbol: 'USDJPY', quantity: 1000 }).order;
  engine.place({ action: 'buy' }, 'acc_b');
  return { engine, filled, cancelled, open, yen };
}

void describe('listOrders', () => {
  void it('filters by status and symbol, oldest first, and pages with a cursor', () => {
    const { engine, filled, cancelled, open, yen } = history();
    const ids = (status: 'open' | 'filled' | 'cancelled' | 'all', symbol?: string) =>
      listOrders(engine.state, 'acc_a', {
        status,
        limit: 100,
        ...(symbol === undefined ? {} : { symbol }),
      }).items.map((order) => order.id);
    assert.deepEqual(ids('open'), [open.id]);
    assert.deepEqual(ids('filled'), [...filled.map((order) => order.id), yen.id]);
    assert.deepEqual(ids('cancelled'), [cancelled.id]);
    assert.deepEqual(ids('all', 'USDJPY'), [yen.id]);
    assert.deepEqual(ids('all', 'UK100'), []);

    const first = listOrders(engine.state, 'acc_a', { status: 'all', limit: 2 });
    assert.deepEqual(
      first.items.map((order) => order.id),
      filled.map((order) => order.id),
    );
    assert.equal(first.next, engine.state.ids.orderNumber(filled[1]?.id ?? ''));
    const second = listOrders(engine.state, 'acc_a', {
      status: 'all',
      limit: 2,
      after: first.next ?? 0,
    });
    assert.deepEqual(
      second.items.map((order) => order.id),
      [cancelled.id, open.id],
    );
    const last = listOrders(engine.state, 'acc_a', {
      status: 'all',
      limit: 2,
      after: second.next ?? 0,
    });
    assert.deepEqual([last.items.map((order) => order.id), last.next], [[yen.id], null]);
    for (const order of [...first.items, ...second.items]) Order.parse(order);
  });

  void it('hides other accounts and unknown ids', () => {
    const { engine, open } = history();
    assert.equal(getOrder(engine.state, 'acc_b', open.id), undefined);
    assert.equal(getOrder(engine.state, 'acc_a', 'ord_zzzzzzzzzz'), undefined);
    assert.equal(getOrder(engine.state, 'acc_a', 'not an id'), undefined);
    assert.deepEqual(getOrder(engine.state, 'acc_a', open.id), open);
  });
});

void describe('listFills', () => {
  void it('lists the account fills with their P&L, since a time, with a cursor', () => {
    const { engine, filled, yen } = history();
    const all = listFills(engine.state, 'acc_a', { limit: 10 });
    assert.deepEqual(
      all.items.map((fill) => [fill.order_id, fill.symbol, fill.action, fill.realized_pnl]),
      [
        [filled[0]?.id, 'EURUSD', 'buy', 0],
        [filled[1]?.id, 'EURUSD', 'sell', -1],
        [yen.id, 'USDJPY', 'buy', 0],
      ],
    );
    for (const fill of all.items) AccountFill.parse(fill);
    const since = listFills(engine.state, 'acc_a', { limit: 10, since: engine.now });
    assert.deepEqual(
      since.items.map((fill) => fill.order_id),
      [yen.id],
    );
    const page = listFills(engine.state, 'acc_a', { limit: 1 });
    const next = listFills(engine.state, 'acc_a', { limit: 5, after: page.next ?? 0 });
    assert.deepEqual(
      next.items.map((fill) => fill.id),
      all.items.slice(1).map((fill) => fill.id),
    );
  });
});

void describe('orderUpdateFor', () => {
  void it('names each order event as the stream does, from the state after it', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1001, askSize: 3000 });
    const placed = engine.place({ action: 'buy', quantity: 5000, time_in_force: 'ioc' });
    const replay = keyedEngineState();
    const updates: string[] = [];
    for (const event of engine.journal) {
      applyEvent(replay, event);
      const update = orderUpdateFor(replay, event);
      if (update !== undefined)
        updates.push(`${update.type}:${update.order.status}:${update.fill?.quantity ?? '-'}`);
    }
    assert.equal(placed.order.status, 'expired');
    assert.deepEqual(updates, [
      'accepted:open:-',
      'partial_fill:partially_filled:3000',
      'expired:expired:-',
    ]);
  });
});
