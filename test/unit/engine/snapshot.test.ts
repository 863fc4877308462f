import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { roundToStep } from '../../../api/order-rules';
import { floorToStep, snapToStep } from '../../../sandbox/engine/grid';
import { deserializeEngineState, serializeEngineState } from '../../../sandbox/engine/snapshot';
import { parseEngineEvent } from '../../../sandbox/engine/events';
import { eventTypes, Harness } from './harness';
import { assertReplayable } from './invariants';

void describe('snapshots', () => {
  void it('keep live orders, armed exits, finished orders and client ids, and carry on alike', () => {
    const engine = new Harness(['acc_a', 'acc_b']);
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1001, size: 1e9 });
    engine.place({ action: 'buy', stop_loss: 1.08, take_profit: 1.105, client_order_id: 'tp-1' });
    engine.place({ action: 'sell', order_type: 'limit', limit_price: 1.107, time_in_force: 'day' });
    assert.equal(engine.tryPlace({ action: 'buy', quantity: 4_000_000 }, 'acc_b').ok, false);
    engine.place(
      { action: 'buy', order_type: 'limit', limit_price: 1.09, quantity: 2_500_000 },
      'acc_b',
    );
    engine.place({ action: 'buy', quantity: 2_000_000 }, 'acc_b');
    const rejected = engine.tick('EURUSD', { bid: 1.089, ask: 1.0891, size: 1e9 });
    assert.deepEqual(eventTypes(rejected), ['order_rejected'], 'no margin left for the limit');
    assertReplayable(engine.state, engine.journal);

    const restored = new Harness([]);
    restored.state = deserializeEngineState(
      JSON.parse(JSON.stringify(serializeEngineState(engine.state))),
    );
    restored.now = engine.now;
    for (const target of [engine, restored]) {
      target.market.addTick('EURUSD', {
        t: engine.now,
        bid: 1.089,
        ask: 1.0891,
        bidSize: 1e9,
        askSize: 1e9,
      });
    }
    assert.equal(restored.tryPlace({ action: 'buy', client_order_id: 'tp-1' }).ok, false);
    const later = (target: Harness) => [
      ...target.tick('EURUSD', { bid: 1.106, ask: 1.1061 }),
      ...target.tick('EURUSD', { bid: 1.1, ask: 1.1001 }, 86_400_000),
    ];
    const expected = later(engine);
    // The take profit fires; the day limit expires at the next session's first tick.
    assert.deepEqual(eventTypes(expected), ['order_accepted', 'order_filled', 'order_expired']);
    assert.deepEqual(later(restored), expected);
    assert.deepEqual(serializeEngineState(restored.state), serializeEngineState(engine.state));
  });

  void it('refuse what is not a snapshot', () => {
    assert.throws(() => deserializeEngineState({ format: 'something else' }));
    const snapshot = serializeEngineState(new Harness().state);
    assert.throws(() => deserializeEngineState({ ...snapshot, order_count: 3 }), /bytes/);
  });
});

void describe('grids and journal lines', () => {
  void it('snaps exactly as roundToStep does, and floors onto the grid', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.constantFrom(0.00001, 0.001, 0.25, 0.5, 0.1, 1000, 1),
        (value, step) => {
          assert.equal(snapToStep(value, step), roundToStep(value, step));
          const floored = floorToStep(value, step);
          assert.ok(floored <= value + step * 1e-9);
          assert.ok(value - floored < step * (1 + 1e-9));
        },
      ),
    );
    assert.equal(snapToStep(0.1 + 0.2, 0.1), 0.3);
    assert.equal(floorToStep(4_500, 1000), 4_000);
    assert.equal(floorToStep(2_999.9999999999995, 1000), 3_000);
  });

  void it('parses journal lines with the event schema', () => {
    const engine = new Harness();
    for (const event of engine.journal) {
      assert.deepEqual(parseEngineEvent(JSON.parse(JSON.stringify(event))), event);
    }
    assert.throws(() => parseEngineEvent({ type: 'order_filled', account_id: 'a', seq: 0, t: 1 }));
  });
});
