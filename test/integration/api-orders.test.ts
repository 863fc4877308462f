import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Order } from '../../api/orders';
import { marketBuy, stopAllSandboxes, tradingSandbox } from './harness';

after(() => stopAllSandboxes());

interface ErrorBody {
  error: {
    code: string;
    message: string;
    details: { path: string; message: string; reason?: string }[];
    request_id: string;
  };
}
interface Quote {
  bid: number;
  ask: number;
}

const detailPaths = (body: ErrorBody) => body.error.details.map((d) => d.path).sort();
const reasonsByPath = (body: ErrorBody) =>
  Object.fromEntries(body.error.details.map((d) => [d.path, d.reason]));

describe('placing orders on a weekday', () => {
  let call: Awaited<ReturnType<typeof tradingSandbox>>['call'];
  const quote = async (symbol: string) =>
    (await call<{ quote: Quote; is_open: boolean }>('GET', `/market/${symbol}`)).body;

  before(async () => {
    ({ call } = await tradingSandbox());
  });

  test('validation names every offending field in one 400', async () => {
    const answer = await call<ErrorBody>('POST', '/orders', {
      symbol: 'EURUSD',
      action: 'buy',
      quantity: -5,
      order_type: 'limit',
      time_in_force: 'forever',
      colour: 'red',
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, 'invalid_request');
    assert.deepEqual(detailPaths(answer.body), [
      'colour',
      'limit_price',
      'quantity',
      'time_in_force',
    ]);
    for (const field of ['colour', 'limit_price', 'quantity', 'time_in_force'])
      assert.match(answer.body.error.message, new RegExp(field));

    const everything = await call<ErrorBody>('POST', '/orders', {
      symbol: 'eurusd',
      action: 'hold',
      quantity: '1000',
      order_type: 'stop',
      limit_price: 0,
      stop_loss: -1,
      take_profit: 'high',
      time_in_force: 3,
      client_order_id: 'has space',
    });
    assert.equal(everything.status, 400);
    assert.deepEqual(detailPaths(everything.body), [
      'action',
      'client_order_id',
      'limit_price',
      'order_type',
      'quantity',
      'stop_loss',
      'symbol',
      'take_profit',
      'time_in_force',
    ]);
  });

  test('cross-field rules: limit_price for limit only; exits on the right side of a limit', async () => {
    const market = await call<ErrorBody>('POST', '/orders', marketBuy(1000, { limit_price: 1.1 }));
    assert.equal(market.status, 400);
    assert.deepEqual(detailPaths(market.body), ['limit_price']);
    const buy = await call<ErrorBody>('POST', '/orders', {
      ...marketBuy(1000),
      order_type: 'limit',
      limit_price: 1.0,
      stop_loss: 1.1,
      take_profit: 0.9,
    });
    assert.equal(buy.status, 400);
    assert.deepEqual(detailPaths(buy.body), ['stop_loss', 'take_profit']);
    const sell = await call<ErrorBody>('POST', '/orders', {
      ...marketBuy(1000),
      action: 'sell',
      order_type: 'limit',
      limit_price: 1.0,
      stop_loss: 0.9,
      take_profit: 1.1,
    });
    assert.equal(sell.status, 400);
    assert.deepEqual(detailPaths(sell.body), ['stop_loss', 'take_profit']);
    const missing = await call<ErrorBody>('POST', '/orders', {});
    assert.equal(missing.status, 400);
    assert.deepEqual(detailPaths(missing.body), [
      'action',
      'order_type',
      'quantity',
      'symbol',
      'time_in_force',
    ]);
  });

  test('instrument rules are 422 with a reason per field', async () => {
    const cases: [string, Record<string, unknown>, Record<string, string>][] = [
      ['off-step quantity', marketBuy(1000.5), { quantity: 'invalid_quantity' }],
      ['below minimum', marketBuy(999), { quantity: 'invalid_quantity' }],
      [
        'off-step gold',
        { ...marketBuy(1), symbol: 'XAUUSD', quantity: 1.005 },
        { quantity: 'invalid_quantity' },
      ],
      [
        'off the tick grid',
        { ...marketBuy(1000.5), order_type: 'limit', limit_price: 1.000001 },
        { quantity: 'invalid_quantity', limit_price: 'invalid_price' },
      ],
      [
        'index tick',
        { ...marketBuy(1), symbol: 'US500', order_type: 'limit', limit_price: 1000.05 },
        { limit_price: 'invalid_price' },
      ],
      ['unknown symbol', { ...marketBuy(1000), symbol: 'ZZZZZZ' }, { symbol: 'unknown_symbol' }],
    ];
    for (const [label, body, reasons] of cases) {
      const answer = await call<ErrorBody>('POST', '/orders', body);
      assert.equal(answer.status, 422, label);
      assert.equal(answer.body.error.code, 'unprocessable', label);
      assert.deepEqual(reasonsByPath(answer.body), reasons, label);
    }
    // Decimal steps that binary floating point cannot hold exactly are still on the grid.
    const onGrid = await call('POST', '/orders', {
      ...marketBuy(1),
      symbol: 'US500',
      quantity: 0.3,
      order_type: 'limit',
      limit_price: 1000.3,
    });
    assert.equal(onGrid.status, 201);
  });

  test('a market order’s exits must lie on the right side of the current price', async () => {
    const { quote: eurusd } = await quote('EURUSD');
    const cases: [Record<string, unknown>, string][] = [
      [marketBuy(1000, { stop_loss: round5(eurusd.ask + 0.01) }), 'stop_loss'],
      [marketBuy(1000, { take_profit: round5(eurusd.bid - 0.01) }), 'take_profit'],
      [marketBuy(1000, { action: 'sell', stop_loss: round5(eurusd.bid - 0.01) }), 'stop_loss'],
      [marketBuy(1000, { action: 'sell', take_profit: round5(eurusd.ask + 0.01) }), 'take_profit'],
    ];
    for (const [body, path] of cases) {
      const answer = await call<ErrorBody>('POST', '/orders', body);
      assert.equal(answer.status, 422, JSON.stringify(body));
      assert.deepEqual(reasonsByPath(answer.body), { [path]: 'invalid_protection' });
    }
    const account = await call<{ positions: unknown[] }>('GET', '/account');
    assert.deepEqual(account.body.positions, [], 'no refused order opened a position');
    const protectedBuy = await call<{ status: string; stop_loss: number }>(
      'POST',
      '/orders',
      marketBuy(1000, { stop_loss: round5(eurusd.bid - 0.01) }),
    );
    assert.equal(protectedBuy.status, 201);
    assert.equal(protectedBuy.body.status, 'filled');
    assert.equal(protectedBuy.body.stop_loss, round5(eurusd.bid - 0.01));
  });

  test('the 201 body is an Order, as GET /orders/{id} shows it', async () => {
    const placed = await call('POST', '/orders', marketBuy(1000, { client_order_id: 'shape-1' }));
    assert.equal(placed.status, 201);
    const order = Order.strict().parse(placed.body);
    assert.equal(order.status, 'filled');
    assert.equal(order.filled_quantity, 1000);
    assert.equal(order.client_order_id, 'shape-1');
    assert.equal(order.fills.length, 1);
    assert.equal(order.avg_fill_price, order.fills[0]?.price);
    assert.equal(order.limit_price, null);
    assert.equal(order.parent_order_id, null);
    const fetched = await call('GET', `/orders/${order.id}`);
    assert.deepEqual(fetched.body, placed.body);
  });

  test('a market order fills at the ask (buy) or bid (sell) of the tick at its time', async () => {
    for (const action of ['buy', 'sell'] as const) {
      const placed = await call<{
        created_at: number;
        fills: { price: number; t: number }[];
      }>('POST', '/orders', marketBuy(1000, { action }));
      assert.equal(placed.status, 201);
      const { created_at: t, fills } = placed.body;
      const ticks = await call<{ ticks: { t: number; bid: number; ask: number }[] }>(
        'GET',
        `/market/historical?symbol=EURUSD&type=ticks&from=${t - 120_000}&to=${t}`,
      );
      const current = ticks.body.ticks.at(-1);
      assert.ok(current, 'a tick before the order');
      assert.equal(fills.length, 1);
      assert.equal(fills[0]?.price, action === 'buy' ? current.ask : current.bid, action);
      assert.equal(fills[0]?.t, t);
    }
  });

  test('a reused client_order_id is 409 naming it, and places nothing', async () => {
    const first = await call<{ id: string }>(
      'POST',
      '/orders',
      marketBuy(1000, { order_type: 'limit', limit_price: 0.5, client_order_id: 'dup-1' }),
    );
    assert.equal(first.status, 201);
    await call('DELETE', `/orders/${first.body.id}`);
    const again = await call<ErrorBody>(
      'POST',
      '/orders',
      marketBuy(2000, { client_order_id: 'dup-1' }),
    );
    assert.equal(again.status, 409, 'even once the first order has ended');
    assert.equal(again.body.error.code, 'conflict');
    assert.deepEqual(detailPaths(again.body), ['client_order_id']);
    assert.match(again.body.error.message, new RegExp(first.body.id));
    const all = await call<{ orders: { client_order_id: string | null }[] }>(
      'GET',
      '/orders?status=all&limit=500',
    );
    assert.equal(all.status, 200, JSON.stringify(all.body));
    assert.equal(all.body.orders.filter((o) => o.client_order_id === 'dup-1').length, 1);
  });

  test('an order too big for the margin is 422 insufficient_margin', async () => {
    const answer = await call<ErrorBody>('POST', '/orders', marketBuy(100_000_000));
    assert.equal(answer.status, 422);
    assert.deepEqual(reasonsByPath(answer.body), { quantity: 'insufficient_margin' });
  });
});

describe('placing orders on a Saturday', () => {
  let call: Awaited<ReturnType<typeof tradingSandbox>>['call'];
  before(async () => {
    ({ call } = await tradingSandbox({ now: '2024-03-09T12:00:00Z' }));
  });

  test('the market reports closed; a market order is 422 market_closed', async () => {
    const eurusd = await call<{ is_open: boolean; quote: (Quote & { t: number }) | null }>(
      'GET',
      '/market/EURUSD',
    );
    assert.equal(eurusd.body.is_open, false);
    assert.ok(eurusd.body.quote, 'the last quote before the close is still shown');
    assert.ok(eurusd.body.quote.t <= Date.parse('2024-03-08T22:00:00Z'));
    const answer = await call<ErrorBody>('POST', '/orders', marketBuy(1000));
    assert.equal(answer.status, 422);
    assert.equal(answer.body.error.details[0]?.reason, 'market_closed');
    const ioc = await call<ErrorBody>('POST', '/orders', {
      ...marketBuy(1000),
      order_type: 'limit',
      limit_price: 1.0,
      time_in_force: 'ioc',
    });
    assert.equal(ioc.status, 422);
    assert.deepEqual(reasonsByPath(ioc.body), { time_in_force: 'market_closed' });
    const orders = await call<{ orders: unknown[] }>('GET', '/orders?status=all');
    assert.deepEqual(orders.body.orders, []);
  });

  test('a gtc limit order is accepted and rests open, unfilled, until the open', async () => {
    const { body: eurusd } = await call<{ quote: Quote }>('GET', '/market/EURUSD');
    // A buy limit above the last ask would fill at once if the market were open.
    const limit = round5(eurusd.quote.ask + 0.001);
    const placed = await call<{ id: string; status: string; filled_quantity: number }>(
      'POST',
      '/orders',
      { ...marketBuy(1000), order_type: 'limit', limit_price: limit },
    );
    assert.equal(placed.status, 201);
    assert.equal(placed.body.status, 'open');
    assert.equal(placed.body.filled_quantity, 0);
    const day = await call('POST', '/orders', {
      ...marketBuy(1000),
      order_type: 'limit',
      limit_price: limit,
      time_in_force: 'day',
    });
    assert.equal(day.status, 201);
    const open = await call<{ orders: { id: string; status: string }[] }>(
      'GET',
      '/orders?status=open',
    );
    assert.ok(open.body.orders.some((o) => o.id === placed.body.id && o.status === 'open'));
    const account = await call<{ positions: unknown[] }>('GET', '/account');
    assert.deepEqual(account.body.positions, []);
  });
});

function round5(price: number): number {
  return Number(price.toFixed(5));
}
