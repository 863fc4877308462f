import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Account } from '../../../api/account';
import type { Order, OrderRequest } from '../../../api/orders';
import { parseStrategyConfig } from '../../../sdk/node/src/config';
import type { Broker } from '../../../sdk/node/src/context';
import { Context, decimalsOf, stamp } from '../../../sdk/node/src/context';
import { RiskLimitError } from '../../../sdk/node/src/errors';
import { order } from './fake-api';

function contextWith(risk: Record<string, number>, position = 0) {
  let now = Date.parse('2024-03-06T12:00:00Z');
  const placed: OrderRequest[] = [];
  const broker: Broker = {
    mode: 'backtest',
    now: () => now,
    account: () => ({}) as Account,
    position: () => position,
    openOrders: () => [],
    place: (request) => {
      placed.push(request);
      return Promise.resolve(order() as Order);
    },
    cancel: () => Promise.resolve(order() as Order),
    cancelMany: () => Promise.resolve([]),
    tickSize: (symbol) => (symbol === 'US500' ? 0.25 : 0.00001),
  };
  const config = parseStrategyConfig({ name: 'x', symbols: ['EURUSD'], risk }, 'strategy.json');
  const lines: string[] = [];
  const ctx = new Context(config, broker, (line) => lines.push(line));
  return { ctx, placed, lines, advance: (ms: number) => (now += ms) };
}

test('buy and sell build the API order request from the options', async () => {
  const { ctx, placed } = contextWith({});
  await ctx.buy('EURUSD', 1000);
  await ctx.sell('EURUSD', 2000, {
    limitPrice: 1.2,
    stopLoss: 1.3,
    takeProfit: 1.1,
    timeInForce: 'day',
    clientOrderId: 'c1',
  });
  assert.deepEqual(placed, [
    { symbol: 'EURUSD', action: 'buy', quantity: 1000, order_type: 'market', time_in_force: 'gtc' },
    {
      symbol: 'EURUSD',
      action: 'sell',
      quantity: 2000,
      order_type: 'limit',
      time_in_force: 'day',
      limit_price: 1.2,
      stop_loss: 1.3,
      take_profit: 1.1,
      client_order_id: 'c1',
    },
  ]);
});

test('max_position refuses an order that would pass it, naming the limit', async () => {
  const { ctx, placed } = contextWith({ max_position: 10_000 }, 5_000);
  await ctx.buy('EURUSD', 5_000);
  await assert.rejects(ctx.buy('EURUSD', 5_001), (error: unknown) => {
    assert.ok(error instanceof RiskLimitError);
    assert.match(error.message, /would become 10001, past risk\.max_position 10000/);
    return true;
  });
  await ctx.sell('EURUSD', 15_000);
  await assert.rejects(ctx.sell('EURUSD', 15_001), RiskLimitError);
  assert.equal(placed.length, 2);
});

test('max_orders_per_minute refuses the order past the cap until a minute has passed', async () => {
  const { ctx, placed, advance } = contextWith({ max_orders_per_minute: 3 });
  for (let i = 0; i < 3; i++) {
    await ctx.buy('EURUSD', 1000);
    advance(10_000);
  }
  await assert.rejects(
    ctx.buy('EURUSD', 1000),
    /already placed 3 orders in the last minute.*max_orders_per_minute \(3\)/,
  );
  advance(30_000); // the first order is now a minute old
  await ctx.buy('EURUSD', 1000);
  assert.equal(placed.length, 4);
});

test('closePosition flattens with one market order, and does nothing when flat', async () => {
  const short = contextWith({}, -3000);
  await short.ctx.closePosition('EURUSD');
  assert.deepEqual(short.placed[0], {
    symbol: 'EURUSD',
    action: 'buy',
    quantity: 3000,
    order_type: 'market',
    time_in_force: 'gtc',
  });
  const flat = contextWith({}, 0);
  assert.equal(await flat.ctx.closePosition('EURUSD'), null);
  assert.equal(flat.placed.length, 0);
});

test("roundToTick rounds half up onto the grid with the tick's decimals", () => {
  const { ctx } = contextWith({});
  assert.equal(ctx.roundToTick('EURUSD', 1.0845651), 1.08457);
  assert.equal(ctx.roundToTick('EURUSD', 1.0845649), 1.08456);
  assert.equal(ctx.roundToTick('EURUSD', 1.1 + 0.2), 1.3);
  assert.equal(ctx.roundToTick('US500', 5123.13), 5123.25);
  assert.equal(ctx.roundToTick('US500', 5123.1), 5123);
  assert.deepEqual([1e-5, 0.25, 1, 0.0001, 2.5e-7].map(decimalsOf), [5, 2, 0, 4, 8]);
});

test('log writes one line stamped with the clock', () => {
  const { ctx, lines } = contextWith({});
  ctx.log('crossed', { fast: 1.1 }, 3);
  assert.deepEqual(lines, ['2024-03-06 12:00:00Z crossed {"fast":1.1} 3']);
});

test('stamp writes any instant as the UTC date and second, whatever it was asked before', () => {
  const year3000 = 32_503_680_000_000;
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: -year3000, max: year3000 }), { minLength: 1 }),
      (times) => {
        for (const t of times) {
          const iso = new Date(t).toISOString();
          assert.equal(stamp(t), `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`, String(t));
        }
      },
    ),
  );
});
