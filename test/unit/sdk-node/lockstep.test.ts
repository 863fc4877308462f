import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Order } from '../../../api/orders';
import { LockstepGate } from '../../../sdk/node/src/lockstep';
import { order as orderAnswer } from './fake-api';

/** An order as the API answers it (the fake API's), typed. */
const order = (overrides: Partial<Order> = {}): Order => orderAnswer(overrides) as Order;

/** A gate whose strategy got bar 1 with the account quiet. */
function quietAtBar1(): LockstepGate {
  const gate = new LockstepGate(2048, 4);
  gate.onAdvanced(1, true);
  gate.delivering(1);
  return gate;
}

test('bar 1 waits for advanced 1', () => {
  const gate = new LockstepGate();
  assert.equal(gate.mayDeliver(1), false);
  gate.onAdvanced(1, true);
  assert.equal(gate.mayDeliver(1), true);
});

test('while the account stays quiet and the strategy does nothing, bars run ahead of the clock', () => {
  const gate = quietAtBar1();
  for (let seq = 2; seq <= 50; seq++) {
    assert.equal(gate.mayDeliver(seq), true, `bar ${seq}`);
    gate.delivering(seq);
  }
});

test('a bar after a busy one (open orders or exits) waits for its own advanced', () => {
  const gate = new LockstepGate();
  gate.onAdvanced(1, false);
  gate.delivering(1);
  assert.equal(gate.mayDeliver(2), false);
  gate.onAdvanced(2, false);
  assert.equal(gate.mayDeliver(2), true);
  gate.delivering(2);
  assert.equal(gate.mayDeliver(3), false, 'busy at bar 2 as well');
});

test('a filled market order leaves the account quiet once its fill event arrived', () => {
  const gate = quietAtBar1();
  gate.acting();
  gate.placed(order());
  gate.answered();
  assert.equal(gate.mayDeliver(2), false, 'the fill event is still on its way');
  gate.orderEvent(order({ status: 'open', filled_quantity: 0 }));
  assert.equal(gate.mayDeliver(2), false, 'the accepted event alone is not the fill');
  gate.orderEvent(order());
  assert.equal(gate.mayDeliver(2), true);
  gate.delivering(2);
  assert.equal(gate.mayDeliver(3), true, 'and the bars after it go ahead again');
});

test('an order that can still trade, or may have, makes the next bar wait for its advanced', () => {
  const cases: [string, (gate: LockstepGate) => void][] = [
    [
      'a resting limit order',
      (gate) => gate.placed(order({ status: 'open', order_type: 'limit', limit_price: 1 })),
    ],
    ['a market order with a stop loss', (gate) => gate.placed(order({ stop_loss: 1 }))],
    ['a market order with a take profit', (gate) => gate.placed(order({ take_profit: 2 }))],
    ['a partly filled order', (gate) => gate.placed(order({ status: 'partially_filled' }))],
    ['a cancel or a request that failed', (gate) => gate.unsettled()],
  ];
  for (const [what, act] of cases) {
    const gate = quietAtBar1();
    gate.acting();
    act(gate);
    gate.answered();
    gate.orderEvent(order());
    assert.equal(gate.mayDeliver(2), false, what);
    gate.onAdvanced(2, false);
    assert.equal(gate.mayDeliver(2), true, `${what}: advanced 2 lets bar 2 go`);
  }
});

test('an order placed and not answered yet (say from onFill) keeps the next bar waiting', () => {
  const gate = quietAtBar1();
  gate.acting();
  assert.equal(gate.mayDeliver(2), false, 'its events may still come');
  gate.placed(order());
  gate.answered();
  gate.orderEvent(order());
  assert.equal(gate.mayDeliver(2), true);
});

test('no ack goes out before the events of the orders answered so far have arrived', () => {
  const gate = quietAtBar1();
  gate.acting();
  gate.placed(order({ status: 'open', order_type: 'limit', limit_price: 1, filled_quantity: 0 }));
  gate.answered();
  gate.completed(1);
  // The answer was read before the stream's events: onOrder must still see them at bar 1.
  assert.equal(gate.ackDue(true), undefined);
  gate.orderEvent(
    order({ status: 'open', order_type: 'limit', limit_price: 1, filled_quantity: 0 }),
  );
  assert.deepEqual(gate.ackDue(true), { op: 'ack', seq: 1, window: 2048, batch: true });
});

test('a cancel waits for its cancelled event before the next ack', () => {
  const gate = quietAtBar1();
  gate.unsettled();
  gate.expect('ord_9', 'cancelled');
  gate.answered();
  gate.completed(1);
  assert.equal(gate.ackDue(true), undefined);
  gate.orderEvent(order({ id: 'ord_9', status: 'open', updated_at: 5 }));
  assert.equal(gate.ackDue(true), undefined, 'a later event that is not the cancel');
  gate.orderEvent(order({ id: 'ord_9', status: 'cancelled', updated_at: 5 }));
  assert.notEqual(gate.ackDue(true), undefined);
});

test('requests at a bar ahead of the clock acknowledge the bar before it; at the clock, none', () => {
  const gate = quietAtBar1();
  assert.equal(gate.requestAck(), undefined, 'bar 1 is where the clock stands');
  gate.delivering(2);
  gate.delivering(3);
  assert.equal(gate.requestAck(), 2);
  gate.onAdvanced(3, true);
  assert.equal(gate.requestAck(), undefined);
});

test('acks go every few bars, and for whatever is done when the client is about to wait', () => {
  const gate = quietAtBar1();
  gate.completed(1);
  assert.equal(gate.ackDue(false), undefined, 'one bar is not yet worth an ack');
  for (let seq = 2; seq <= 4; seq++) {
    gate.delivering(seq);
    gate.completed(seq);
  }
  assert.deepEqual(gate.ackDue(false), { op: 'ack', seq: 4, window: 2048, batch: true });
  assert.equal(gate.ackDue(true), undefined, 'nothing new since');
  gate.delivering(5);
  gate.completed(5);
  assert.equal(gate.ackDue(false), undefined);
  assert.deepEqual(gate.ackDue(true), { op: 'ack', seq: 5, window: 2048, batch: true });
  assert.deepEqual(
    gate.ack(),
    { op: 'ack', seq: 5, window: 2048, batch: true },
    'resent after a reconnect',
  );
});

test('the first ack, before any bar, announces the window and asks for batches', () => {
  assert.deepEqual(new LockstepGate(512).ack(), { op: 'ack', seq: 0, window: 512, batch: true });
});
