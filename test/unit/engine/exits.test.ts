import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cancelOrder } from '../../../sandbox/engine/cancel';
import type { OrderAcceptedEvent } from '../../../sandbox/engine/events';
import { symbolsNeedingTicks } from '../../../sandbox/engine/tick';
import { eventTypes, Harness } from './harness';

function exitsIn(events: readonly { type: string }[]): OrderAcceptedEvent[] {
  return events.filter(
    (event): event is OrderAcceptedEvent =>
      event.type === 'order_accepted' && (event as OrderAcceptedEvent).parent_order_id !== null,
  );
}

void describe('protective exits', () => {
  void it('fires a buy entry stop loss on the bid and cancels its take profit', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.0999, ask: 1.1 });
    const entry = engine.place({ action: 'buy', stop_loss: 1.098, take_profit: 1.105 });
    assert.deepEqual([...symbolsNeedingTicks(engine.state)], ['EURUSD']);
    assert.deepEqual(
      engine.tick('EURUSD', { bid: 1.0981, ask: 1.0979 }),
      [],
      'the ask does not count',
    );
    const events = engine.tick('EURUSD', { bid: 1.098, ask: 1.0981 });
    assert.deepEqual(eventTypes(events), ['order_accepted', 'order_filled']);
    const [exit] = exitsIn(events);
    assert.ok(exit);
    assert.deepEqual(
      [exit.action, exit.quantity, exit.order_type, exit.parent_order_id, exit.trigger],
      ['sell', 10_000, 'market', entry.order.id, 'stop_loss'],
    );
    assert.equal(engine.order(exit.order_id).avg_fill_price, 1.098);
    assert.equal(engine.order(entry.order.id).exit_state, 'triggered');
    assert.equal(engine.account().positions.size, 0);
    assert.deepEqual(
      engine.tick('EURUSD', { bid: 1.106, ask: 1.1061 }),
      [],
      'take profit cancelled',
    );
    assert.deepEqual([...symbolsNeedingTicks(engine.state)], []);
  });

  void it('fires a sell entry take profit on the ask', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1001 });
    const entry = engine.place({ action: 'sell', stop_loss: 1.102, take_profit: 1.095 });
    assert.deepEqual(engine.tick('EURUSD', { bid: 1.0948, ask: 1.0951 }), []);
    const [exit] = exitsIn(engine.tick('EURUSD', { bid: 1.0948, ask: 1.095 }));
    assert.equal(exit?.trigger, 'take_profit');
    assert.equal(exit?.action, 'buy');
    assert.equal(engine.order(entry.order.id).exit_state, 'triggered');
    assert.equal(engine.account().realized_pnl, 50);
  });

  void it('caps the exit at what is left of the position, so it never flips it', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.0999, ask: 1.1 });
    engine.place({ action: 'buy', quantity: 10_000, stop_loss: 1.098 });
    engine.place({ action: 'sell', quantity: 4_000 });
    const [exit] = exitsIn(engine.tick('EURUSD', { bid: 1.0975, ask: 1.0976 }));
    assert.equal(exit?.quantity, 6_000);
    assert.equal(engine.account().positions.size, 0);
  });

  void it('stands down once the position is flat, and arms again if the entry fills again', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.0999, ask: 1.1, askSize: 4_000 });
    const entry = engine.place({ action: 'buy', quantity: 10_000, stop_loss: 1.098 });
    engine.place({ action: 'sell', quantity: 4_000 });
    assert.equal(engine.order(entry.order.id).exit_state, 'idle');
    assert.deepEqual(engine.tick('EURUSD', { bid: 1.0975, ask: 1.0976, askSize: 0 }), []);
    engine.tick('EURUSD', { bid: 1.0985, ask: 1.0986, askSize: 1_000 });
    assert.equal(engine.order(entry.order.id).exit_state, 'armed');
    const [exit] = exitsIn(engine.tick('EURUSD', { bid: 1.0975, ask: 1.0976, askSize: 0 }));
    assert.equal(exit?.quantity, 1_000, 'protects only the position it opened');
    assert.equal(engine.order(entry.order.id).status, 'cancelled', 'the trade is over');
  });

  void it('still protects the filled part after the entry is cancelled', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.0999, ask: 1.1, askSize: 3_000 });
    const entry = engine.place({
      action: 'buy',
      order_type: 'limit',
      limit_price: 1.1,
      quantity: 10_000,
      stop_loss: 1.098,
    });
    const cancelled = cancelOrder(engine.state, {
      accountId: 'acc_a',
      orderId: entry.order.id,
      t: engine.now,
    });
    assert.ok(cancelled.ok);
    engine.record(cancelled.events);
    const [exit] = exitsIn(engine.tick('EURUSD', { bid: 1.097, ask: 1.0971 }));
    assert.equal(exit?.quantity, 3_000);
  });

  void it('keeps filling an exit the book could not absorb, and drops it once the position is gone', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.0999, ask: 1.1 });
    engine.place({ action: 'buy', quantity: 10_000, stop_loss: 1.098 });
    const [exit] = exitsIn(engine.tick('EURUSD', { bid: 1.0975, ask: 1.0976, bidSize: 2_000 }));
    assert.ok(exit);
    assert.equal(engine.order(exit.order_id).status, 'partially_filled');
    engine.tick('EURUSD', { bid: 1.097, ask: 1.0971, bidSize: 3_000 });
    assert.equal(engine.order(exit.order_id).filled_quantity, 5_000);
    // A new tick the exit has not seen yet: the user closes the rest first.
    engine.now += 1000;
    engine.quote('EURUSD', { bid: 1.0969, ask: 1.097 });
    engine.place({ action: 'sell', quantity: 5_000 });
    const events = engine.tick('EURUSD', { bid: 1.097, ask: 1.0971 });
    assert.deepEqual(
      events.map((event) => event.type === 'order_cancelled' && event.reason),
      ['position_closed'],
    );
    assert.equal(engine.order(exit.order_id).status, 'cancelled');
    assert.equal(engine.account().positions.size, 0);
  });

  void it('splits one position between two exits firing on the same tick', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.0999, ask: 1.1 });
    engine.place({ action: 'buy', quantity: 10_000, stop_loss: 1.098 });
    engine.place({ action: 'buy', quantity: 10_000, stop_loss: 1.097 });
    engine.place({ action: 'sell', quantity: 5_000 });
    const exits = exitsIn(engine.tick('EURUSD', { bid: 1.0965, ask: 1.0966, bidSize: 1_000 }));
    assert.deepEqual(
      exits.map((exit) => exit.quantity),
      [10_000, 5_000],
    );
    for (let step = 0; step < 20; step++) {
      engine.tick('EURUSD', { bid: 1.0965, ask: 1.0966, bidSize: 1_000 });
    }
    assert.equal(engine.account().positions.size, 0, 'closed, never flipped');
  });
});
