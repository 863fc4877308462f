import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resetAccount } from '../../../sandbox/engine/accounts';
import { toCancelResult } from '../../../api/orders';
import { cancelOrder, cancelOrders } from '../../../sandbox/engine/cancel';
import { eventTypes, expectFailure, Harness } from './harness';

function restingBuy(engine: Harness, accountId = 'acc_a', symbol = 'EURUSD') {
  const limit = symbol === 'EURUSD' ? 1.09 : 140;
  return engine.place({ action: 'buy', order_type: 'limit', limit_price: limit, symbol }, accountId)
    .order;
}

void describe('cancelOrder', () => {
  void it('cancels a live order, and answers 404 for another account and 409 once it is over', () => {
    const engine = new Harness(['acc_a', 'acc_b']);
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1001 });
    const order = restingBuy(engine);
    const stranger = cancelOrder(engine.state, {
      accountId: 'acc_b',
      orderId: order.id,
      t: engine.now,
    });
    assert.equal(expectFailure(stranger).code, 'not_found');
    assert.equal(
      expectFailure(cancelOrder(engine.state, { accountId: 'acc_a', orderId: 'ord_x', t: 1 })).code,
      'not_found',
    );
    const cancelled = cancelOrder(engine.state, {
      accountId: 'acc_a',
      orderId: order.id,
      t: engine.now,
    });
    assert.ok(cancelled.ok);
    assert.equal(cancelled.order.status, 'cancelled');
    engine.record(cancelled.events);
    assert.equal(engine.order(order.id).status, 'cancelled');
    const again = expectFailure(
      cancelOrder(engine.state, { accountId: 'acc_a', orderId: order.id, t: engine.now }),
    );
    assert.equal(again.code, 'conflict');
    const filled = engine.place({ action: 'buy' }).order;
    const late = expectFailure(
      cancelOrder(engine.state, { accountId: 'acc_a', orderId: filled.id, t: engine.now }),
    );
    assert.equal(late.code, 'conflict');
    assert.match(late.message, /is filled/);
  });
});

void describe('cancelOrders', () => {
  void it('answers each id as its own DELETE would, including a repeated id', () => {
    const engine = new Harness(['acc_a', 'acc_b']);
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1001 });
    const live = restingBuy(engine);
    const filled = engine.place({ action: 'buy' }).order;
    const theirs = restingBuy(engine, 'acc_b');
    const result = cancelOrders(engine.state, {
      accountId: 'acc_a',
      t: engine.now,
      request: { ids: [live.id, filled.id, theirs.id, live.id] },
    });
    assert.ok(result.ok);
    assert.deepEqual(
      result.results
        .map(toCancelResult)
        .map((entry) => [entry.id, entry.status, entry.order_status]),
      [
        [live.id, 200, 'cancelled'],
        [filled.id, 409, 'filled'],
        [theirs.id, 404, undefined],
        [live.id, 409, 'cancelled'],
      ],
    );
    assert.deepEqual(eventTypes(engine.record(result.events)), ['order_cancelled']);
    assert.equal(engine.order(theirs.id).status, 'open');
  });

  void it('cancels every live order of a symbol, or all of them', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1001 });
    engine.quote('USDJPY', { bid: 150, ask: 150.01 });
    const euro = [restingBuy(engine), restingBuy(engine)];
    const yen = restingBuy(engine, 'acc_a', 'USDJPY');
    const bySymbol = cancelOrders(engine.state, {
      accountId: 'acc_a',
      t: engine.now,
      request: { symbol: 'EURUSD' },
    });
    assert.ok(bySymbol.ok);
    assert.deepEqual(
      bySymbol.results.map((entry) => entry.id),
      euro.map((order) => order.id),
    );
    engine.record(bySymbol.events);
    const all = cancelOrders(engine.state, {
      accountId: 'acc_a',
      t: engine.now,
      request: { all: true },
    });
    assert.ok(all.ok);
    assert.deepEqual(
      all.results.map((entry) => entry.id),
      [yen.id],
    );
    engine.record(all.events);
    assert.equal(engine.account().live_orders.size, 0);
  });
});

void describe('resetAccount', () => {
  void it('cancels live orders, clears positions and exits, restores the balance', () => {
    const engine = new Harness(['acc_a', 'acc_b']);
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1001 });
    restingBuy(engine);
    engine.place({ action: 'buy', stop_loss: 1.09, client_order_id: 'run-1' });
    const kept = restingBuy(engine, 'acc_b');
    const reset = resetAccount(engine.state, { accountId: 'acc_a', t: engine.now });
    assert.ok(reset.ok);
    assert.equal(reset.cancelledOrders, 1);
    assert.deepEqual(eventTypes(engine.record(reset.events)), ['order_cancelled', 'account_reset']);
    const account = engine.account();
    assert.deepEqual(
      [account.balance, account.realized_pnl, account.positions.size, account.armed_exits.size],
      [100_000, 0, 0, 0],
    );
    assert.equal(engine.order(kept.id).status, 'open', 'other accounts untouched');
    assert.ok(engine.place({ action: 'buy', client_order_id: 'run-1' }).ok, 'ids may be reused');
    const seqs = engine.journal
      .filter((event) => event.account_id === 'acc_a')
      .map((event) => event.seq);
    assert.deepEqual(
      seqs,
      seqs.map((_, index) => index + 1),
    );
    assert.equal(
      expectFailure(resetAccount(engine.state, { accountId: 'nobody', t: 1 })).code,
      'not_found',
    );
  });
});
