import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advanceTime } from '../../../sandbox/engine/tick';
import { getOrder } from '../../../sandbox/engine/views';
import { day, eventTypes, expectFailure, Harness, t0 } from './harness';

void describe('placeOrder: market orders', () => {
  void it('fills a buy at the ask and a sell at the bid, with the 201 body matching the applied state', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.1, ask: 1.10002 });
    const buy = engine.place({ action: 'buy' });
    assert.deepEqual(eventTypes(buy.events), ['order_accepted', 'order_filled']);
    assert.equal(buy.order.status, 'filled');
    assert.equal(buy.order.avg_fill_price, 1.10002);
    assert.deepEqual(
      buy.order.fills.map((fill) => fill.price),
      [1.10002],
    );
    assert.deepEqual(buy.order, getOrder(engine.state, 'acc_a', buy.order.id));
    const sell = engine.place({ action: 'sell' });
    assert.equal(sell.order.fills[0]?.price, 1.1);
    assert.equal(engine.account().positions.size, 0);
  });

  void it('fills only the top-of-book size and leaves a gtc remainder to later ticks', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1001, askSize: 4_500 });
    const placed = engine.place({ action: 'buy', quantity: 10_000 });
    assert.equal(placed.order.status, 'partially_filled');
    assert.equal(placed.order.filled_quantity, 4_000); // floored to the 1,000 step
    const second = engine.tick('EURUSD', { bid: 1.1001, ask: 1.1002, askSize: 3_000 });
    assert.deepEqual(eventTypes(second), ['order_filled']);
    engine.tick('EURUSD', { bid: 1.1002, ask: 1.1003, askSize: 50_000 });
    const order = engine.order(placed.order.id);
    assert.equal(order.status, 'filled');
    assert.deepEqual(
      order.fills.map((fill) => [fill.price, fill.quantity]),
      [
        [1.1001, 4_000],
        [1.1002, 3_000],
        [1.1003, 3_000],
      ],
    );
    assert.equal(order.avg_fill_price, 1.10019);
  });

  void it('expires the unfilled part of an ioc order at once and keeps what filled', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1001, askSize: 2_000 });
    const placed = engine.place({ action: 'buy', quantity: 5_000, time_in_force: 'ioc' });
    assert.deepEqual(eventTypes(placed.events), [
      'order_accepted',
      'order_filled',
      'order_expired',
    ]);
    assert.equal(placed.order.status, 'expired');
    assert.equal(placed.order.filled_quantity, 2_000);
    assert.equal(engine.account().positions.get('EURUSD')?.quantity, 2_000);
  });

  void it('shares one tick between the orders of one account but not between accounts', () => {
    const engine = new Harness(['acc_a', 'acc_b']);
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1001, askSize: 6_000 });
    assert.equal(engine.place({ action: 'buy', quantity: 4_000 }).order.filled_quantity, 4_000);
    const second = engine.place({ action: 'buy', quantity: 4_000, time_in_force: 'ioc' });
    assert.equal(second.order.filled_quantity, 2_000);
    const other = engine.place({ action: 'buy', quantity: 6_000 }, 'acc_b');
    assert.equal(other.order.filled_quantity, 6_000);
  });

  void it('refuses market and ioc orders while closed but accepts resting limits', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1001 });
    engine.market.closed.add('EURUSD');
    const market = expectFailure(engine.tryPlace({ action: 'buy' }));
    assert.equal(market.code, 'unprocessable');
    assert.deepEqual(
      market.details.map((detail) => [detail.path, detail.reason]),
      [['order_type', 'market_closed']],
    );
    const ioc = expectFailure(
      engine.tryPlace({
        action: 'buy',
        order_type: 'limit',
        limit_price: 1.2,
        time_in_force: 'ioc',
      }),
    );
    assert.equal(ioc.details[0]?.reason, 'market_closed');
    const resting = engine.place({ action: 'buy', order_type: 'limit', limit_price: 1.2 });
    assert.equal(resting.order.status, 'open', 'a marketable limit waits for the open');
    assert.equal(engine.journal.length, 2, 'refusals leave nothing in the journal');
    engine.market.closed.delete('EURUSD');
    engine.tick('EURUSD', { bid: 1.1, ask: 1.1001 });
    assert.equal(engine.order(resting.order.id).status, 'filled');
  });

  void it('answers 422 unknown_symbol, and names every offending field', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1001 });
    const unknown = expectFailure(engine.tryPlace({ action: 'buy', symbol: 'XXXYYY' }));
    assert.deepEqual(unknown.details, [
      {
        path: 'symbol',
        message: 'is not a tradable instrument; GET /market lists them',
        reason: 'unknown_symbol',
      },
    ]);
    const bad = expectFailure(
      engine.tryPlace({ action: 'buy', quantity: 1_500, stop_loss: 1.099995, take_profit: 1.1 }),
    );
    assert.equal(bad.code, 'unprocessable');
    assert.deepEqual(
      bad.details.map((detail) => [detail.path, detail.reason]),
      [
        ['quantity', 'invalid_quantity'],
        ['stop_loss', 'invalid_price'],
        ['take_profit', 'invalid_protection'],
      ],
    );
  });

  void it('answers 409 for a client_order_id the account already used, and not for another account', () => {
    const engine = new Harness(['acc_a', 'acc_b']);
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1001 });
    const first = engine.place({ action: 'buy', client_order_id: 'grid-1' });
    const again = expectFailure(engine.tryPlace({ action: 'sell', client_order_id: 'grid-1' }));
    assert.equal(again.code, 'conflict');
    assert.deepEqual(
      again.details.map((detail) => detail.path),
      ['client_order_id'],
    );
    assert.match(again.message, new RegExp(first.order.id));
    assert.ok(engine.place({ action: 'buy', client_order_id: 'grid-1' }, 'acc_b').ok);
  });

  void it('refuses an order whose margin does not fit, naming required and available', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1, size: 1e9 });
    // 100,000 USD at 30:1 carries about 3,000,000 EUR at 1.1.
    const tooBig = expectFailure(engine.tryPlace({ action: 'buy', quantity: 3_000_000 }));
    assert.equal(tooBig.code, 'unprocessable');
    assert.equal(tooBig.details[0]?.reason, 'insufficient_margin');
    assert.match(tooBig.message, /109,890\.00 USD of margin and 100,000\.00 USD is available/);
    engine.place({ action: 'buy', quantity: 2_500_000 });
    // Reducing the position needs no margin, whatever its size.
    assert.ok(engine.place({ action: 'sell', quantity: 2_500_000 }).ok);
  });

  void it('answers 404 for an unknown account', () => {
    const engine = new Harness();
    const result = expectFailure(engine.tryPlace({ action: 'buy' }, 'acc_missing'));
    assert.equal(result.code, 'not_found');
  });
});

void describe('placeOrder: limit orders', () => {
  void it('fills a marketable limit at the better market price', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.0998, ask: 1.1 });
    const buy = engine.place({ action: 'buy', order_type: 'limit', limit_price: 1.1005 });
    assert.equal(buy.order.avg_fill_price, 1.1);
    const sell = engine.place({ action: 'sell', order_type: 'limit', limit_price: 1.099 });
    assert.equal(sell.order.avg_fill_price, 1.0998);
  });

  void it('rests a gtc limit across ticks and sessions until the price reaches it', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1001 });
    const placed = engine.place({ action: 'buy', order_type: 'limit', limit_price: 1.099 });
    assert.equal(placed.order.status, 'open');
    assert.deepEqual(engine.tick('EURUSD', { bid: 1.099, ask: 1.0991 }), []);
    assert.deepEqual(advanceTime(engine.state, t0 + 10 * day), []);
    const events = engine.tick('EURUSD', { bid: 1.0988, ask: 1.0989 }, 3 * day);
    assert.deepEqual(eventTypes(events), ['order_filled']);
    assert.equal(engine.order(placed.order.id).avg_fill_price, 1.0989);
  });

  void it('expires a day order at its session close, on a tick or on advanceTime', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1001 });
    const close = Math.floor(t0 / day + 1) * day;
    const onTick = engine.place({
      action: 'buy',
      order_type: 'limit',
      limit_price: 1.09,
      time_in_force: 'day',
    });
    const quiet = engine.place({
      action: 'sell',
      symbol: 'USDJPY',
      order_type: 'limit',
      limit_price: 160,
      time_in_force: 'day',
    });
    engine.tick('EURUSD', { bid: 1.1, ask: 1.1001 }, close - engine.now - 1);
    assert.equal(engine.order(onTick.order.id).status, 'open');
    const atClose = engine.tick('EURUSD', { bid: 1.1, ask: 1.1001 }, 1);
    assert.deepEqual(
      atClose.map((event) => event.type === 'order_expired' && event.order_id),
      [onTick.order.id],
    );
    assert.equal(engine.order(quiet.order.id).status, 'open', 'no USDJPY tick yet');
    assert.deepEqual(advanceTime(engine.state, close - 1), []);
    const expired = engine.record(advanceTime(engine.state, close + 5));
    assert.deepEqual(eventTypes(expired), ['order_expired']);
    assert.equal(engine.order(quiet.order.id).status, 'expired');
    assert.equal(engine.state.next_day_expiry, Infinity);
  });

  void it('refuses a day order when the market knows no session for it to end with', () => {
    const engine = new Harness();
    engine.market.noSessionAhead = true;
    const refused = expectFailure(
      engine.tryPlace({
        action: 'buy',
        order_type: 'limit',
        limit_price: 1.09,
        time_in_force: 'day',
      }),
    );
    assert.deepEqual(
      refused.details.map((detail) => [detail.path, detail.reason]),
      [['time_in_force', 'market_closed']],
    );
  });

  void it('rejects a resting limit that no longer fits the margin when it fills', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1, size: 1e9 });
    const resting = engine.place({
      action: 'buy',
      order_type: 'limit',
      limit_price: 1.09,
      quantity: 2_000_000,
    });
    engine.place({ action: 'buy', quantity: 2_000_000 });
    const events = engine.tick('EURUSD', { bid: 1.089, ask: 1.089, size: 1e9 });
    assert.deepEqual(eventTypes(events), ['order_rejected']);
    const order = engine.order(resting.order.id);
    assert.equal(order.status, 'rejected');
    assert.match(order.reject_reason ?? '', /^insufficient_margin: this fill needs/);
  });
});
