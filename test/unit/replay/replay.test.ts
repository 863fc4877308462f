import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OrderRequest } from '../../../api/orders';
import { Replay } from '../../../sandbox/replay/replay';

const options = {
  symbols: ['EURUSD', 'GBPUSD'],
  interval: '1m' as const,
  from: Date.UTC(2024, 2, 6, 9),
  to: Date.UTC(2024, 2, 7, 9),
  balance: 100_000,
};

/** Orders at some bars: market orders, and limit orders with exits the market fills later. */
function trade(replay: Replay, seq: number, symbol: string, close: number): void {
  if (seq % 37 === 0) {
    replay.placeOrder(
      OrderRequest.parse({
        symbol,
        action: seq % 74 === 0 ? 'buy' : 'sell',
        quantity: 5000,
        order_type: 'market',
        time_in_force: 'ioc',
      }),
    );
  }
  if (seq % 53 === 0) {
    replay.placeOrder(
      OrderRequest.parse({
        symbol,
        action: 'buy',
        quantity: 2000,
        order_type: 'limit',
        limit_price: Number((close - 0.0003).toFixed(5)),
        stop_loss: Number((close - 0.003).toFixed(5)),
        take_profit: Number((close + 0.0004).toFixed(5)),
        time_in_force: 'gtc',
      }),
    );
  }
}

void describe('replay', () => {
  void it('walked candle by candle, it moves, fills and values the account as bar by bar', () => {
    const byBar = new Replay(options);
    const clocks: number[] = [];
    let eventCount = 0;
    for (let step = byBar.next(); step; step = byBar.next()) {
      clocks.push(byBar.now());
      eventCount += step.events.length;
      trade(byBar, step.bar.seq, step.bar.symbol, step.bar.candle.c);
    }
    const byCandle = new Replay(options);
    const candleClocks: number[] = [];
    let candleEvents = 0;
    for (let candle = byCandle.nextCandle(); candle; candle = byCandle.nextCandle()) {
      candleClocks.push(byCandle.now());
      candleEvents += byCandle.lastEvents.length;
      trade(byCandle, byCandle.barsTaken, candle.symbol, candle.c);
    }
    assert.ok(clocks.length > 2000, `${clocks.length} bars`);
    assert.ok(eventCount > 10, 'the market filled resting orders or fired exits between bars');
    assert.deepEqual(candleClocks, clocks);
    assert.equal(candleEvents, eventCount);
    assert.deepEqual(byCandle.report(), byBar.report());
  });
});
