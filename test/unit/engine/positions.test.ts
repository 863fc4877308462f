import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Account } from '../../../api/account';
import type { OrderFilledEvent } from '../../../sandbox/engine/events';
import { accountView, positions } from '../../../sandbox/engine/views';
import { Harness } from './harness';

function fillsOf(events: readonly { type: string }[]): OrderFilledEvent[] {
  return events.filter((event): event is OrderFilledEvent => event.type === 'order_filled');
}

void describe('netting, P&L and fees', () => {
  void it('averages adds, realizes reductions and flips at the fill price', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.0999, ask: 1.1 });
    engine.place({ action: 'buy', quantity: 10_000 });
    engine.quote('EURUSD', { bid: 1.1009, ask: 1.101 });
    engine.place({ action: 'buy', quantity: 10_000 });
    assert.deepEqual(engine.account().positions.get('EURUSD'), {
      quantity: 20_000,
      avg_price: 1.1005,
    });

    engine.quote('EURUSD', { bid: 1.102, ask: 1.1021 });
    const [reduce] = fillsOf(engine.place({ action: 'sell', quantity: 5_000 }).events);
    assert.equal(reduce?.realized_pnl, 7.5);
    assert.equal(reduce?.position_quantity, 15_000);

    engine.quote('EURUSD', { bid: 1.099, ask: 1.0991 });
    const [flip] = fillsOf(engine.place({ action: 'sell', quantity: 25_000 }).events);
    assert.equal(flip?.realized_pnl, -22.5);
    assert.deepEqual(engine.account().positions.get('EURUSD'), {
      quantity: -10_000,
      avg_price: 1.099,
    });
    const fees = engine.fills().map((fill) => fill.fee);
    // 0.002% of each fill's notional: 11,000; 11,010; 5,510; 27,475 USD.
    assert.deepEqual(fees, [0.22, 0.22, 0.11, 0.55]);
    assert.equal(engine.account().realized_pnl, -15);
    assert.equal(engine.account().balance, 100_000 - 15 - 1.1);
  });

  void it('converts P&L and fees of a JPY-quoted instrument into USD at the fill', () => {
    const engine = new Harness();
    engine.quote('USDJPY', { bid: 149.99, ask: 150 });
    engine.place({ action: 'buy', symbol: 'USDJPY', quantity: 100_000 });
    engine.quote('USDJPY', { bid: 151.5, ask: 151.51 });
    const [close] = fillsOf(
      engine.place({ action: 'sell', symbol: 'USDJPY', quantity: 100_000 }).events,
    );
    // 100,000 × 1.5 JPY = 150,000 JPY at 150 JPY per USD.
    assert.equal(close?.realized_pnl, 1000);
    assert.equal(close?.usd_rate, 1 / 150);
    assert.equal(close?.fee, 2.02); // 303 JPY
    assert.equal(engine.account().balance, 100_000 + 1000 - 2 - 2.02);
  });

  void it('converts a GBP-quoted index and keeps fractional quantities on their step', () => {
    const engine = new Harness();
    engine.quote('UK100', { bid: 7599.5, ask: 7600, size: 100 });
    engine.place({ action: 'buy', symbol: 'UK100', quantity: 0.1 });
    engine.place({ action: 'buy', symbol: 'UK100', quantity: 0.2 });
    assert.equal(engine.account().positions.get('UK100')?.quantity, 0.3, 'not 0.30000000000000004');
    engine.quote('UK100', { bid: 7620, ask: 7620.5, size: 100 });
    const [close] = fillsOf(
      engine.place({ action: 'sell', symbol: 'UK100', quantity: 0.3 }).events,
    );
    assert.equal(close?.realized_pnl, 7.5); // 0.3 × 20 GBP × 1.25
    assert.equal(engine.account().positions.has('UK100'), false);
  });
});

void describe('accountView and positions', () => {
  void it('values longs at the bid and shorts at the ask, in USD, rounded for display', () => {
    const engine = new Harness();
    engine.quote('EURUSD', { bid: 1.0999, ask: 1.1 });
    engine.place({ action: 'buy', quantity: 100_000 });
    engine.quote('USDJPY', { bid: 150, ask: 150.02 });
    engine.place({ action: 'sell', symbol: 'USDJPY', quantity: 30_000 });
    engine.now += 1000;
    engine.quote('EURUSD', { bid: 1.1012, ask: 1.1013 });
    engine.quote('USDJPY', { bid: 149.5, ask: 149.515 });
    const view = accountView(engine.state, engine.market, 'acc_a', engine.now);
    assert.ok(view);
    Account.parse(view);
    const fees = 2.2 + 0.6; // 90 JPY on the short
    assert.equal(view.balance, 100_000 - fees);
    assert.deepEqual(view.positions, [
      {
        symbol: 'EURUSD',
        quantity: 100_000,
        avg_price: 1.1,
        market_price: 1.1012,
        unrealized_pnl: 120,
      },
      // (150 − 149.515) × 30,000 JPY = 14,550 JPY = 97 USD.
      {
        symbol: 'USDJPY',
        quantity: -30_000,
        avg_price: 150,
        market_price: 149.515,
        unrealized_pnl: 97,
      },
    ]);
    assert.equal(view.unrealized_pnl, 217);
    assert.equal(view.equity, 100_000 - fees + 217);
    // 100,000 × 1.1012 × 3.33% + 30,000 × 149.515 / 150 × 3.33%.
    const margin = 110_120 * 0.0333 + 29_903 * 0.0333;
    assert.equal(view.margin_used, Math.round(margin * 100) / 100);
    assert.equal(view.margin_available, Math.round((100_000 - fees + 217 - margin) * 100) / 100);
    assert.deepEqual(
      positions(engine.state, engine.market, 'acc_a', engine.now, ['USDJPY', 'UK100']),
      [view.positions[1]],
    );
  });

  void it('is undefined for an unknown account', () => {
    const engine = new Harness();
    assert.equal(accountView(engine.state, engine.market, 'nobody', engine.now), undefined);
  });
});
