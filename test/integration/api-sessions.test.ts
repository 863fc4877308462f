import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  api,
  marketBuy,
  startSandboxProcess,
  stopAllSandboxes,
  tradingSandbox,
  waitFor,
} from './harness';

after(() => stopAllSandboxes());

// Tests that follow the sandbox's clock across a session close and across a restart.

interface OrderBody {
  id: string;
  status: string;
  action: 'buy' | 'sell';
  limit_price: number | null;
  created_at: number;
  updated_at: number;
  fills: { price: number; t: number }[];
}
interface ErrorBody {
  error: { details: { path: string; reason?: string }[] };
}

const farBelow = (timeInForce: string) => ({
  ...marketBuy(1000),
  order_type: 'limit',
  limit_price: 0.5,
  time_in_force: timeInForce,
});

test('at the Friday close a day order expires, a gtc order stays, market orders stop', async (t) => {
  const close = Date.parse('2024-03-08T22:00:00Z');
  const { call } = await tradingSandbox({ now: '2024-03-08T21:59:30Z' });
  const day = await call<OrderBody>('POST', '/orders', farBelow('day'));
  const gtc = await call<OrderBody>('POST', '/orders', farBelow('gtc'));
  assert.equal(day.status, 201);
  assert.equal(gtc.status, 201);
  if (day.body.created_at >= close) {
    t.skip('the machine was too slow to place the orders before the close');
    return;
  }
  assert.equal(day.body.status, 'open');
  const expired = await waitFor(
    'the day order to expire at the close',
    async () => {
      const order = await call<OrderBody>('GET', `/orders/${day.body.id}`);
      return order.body.status === 'open' ? undefined : order.body;
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  );
  assert.equal(expired.status, 'expired');
  assert.ok(expired.updated_at >= close, `expired at ${expired.updated_at}, before the close`);
  assert.ok(expired.updated_at < close + 5_000, `expired at ${expired.updated_at}, long after`);
  assert.equal((await call<OrderBody>('GET', `/orders/${gtc.body.id}`)).body.status, 'open');
  const ended = await call<{ orders: { id: string }[] }>('GET', '/orders?status=cancelled');
  assert.deepEqual(
    ended.body.orders.map((o) => o.id),
    [day.body.id],
  );
  const eurusd = await call<{ is_open: boolean }>('GET', '/market/EURUSD');
  assert.equal(eurusd.body.is_open, false);
  const market = await call<ErrorBody>('POST', '/orders', marketBuy(1000));
  assert.equal(market.status, 422);
  assert.equal(market.body.error.details[0]?.reason, 'market_closed');
});

test('after a restart later in time, resting orders fill on the ticks the sandbox missed', async () => {
  const { sandbox, token, call } = await tradingSandbox();
  const { body: eurusd } = await call<{ quote: { bid: number; ask: number } }>(
    'GET',
    '/market/EURUSD',
  );
  // A buy a tick under the ask and a sell a tick above the bid: in ten minutes of EURUSD the
  // market reaches both.
  const orders: OrderBody[] = [];
  for (const [action, price] of [
    ['buy', eurusd.quote.ask - 0.00001],
    ['sell', eurusd.quote.bid + 0.00001],
  ] as const) {
    const placed = await call<OrderBody>('POST', '/orders', {
      ...marketBuy(1000),
      action,
      order_type: 'limit',
      limit_price: Number(price.toFixed(5)),
    });
    assert.equal(placed.status, 201);
    orders.push(placed.body);
  }
  const health = await api<{ now: number }>(sandbox.url, null, 'GET', '/health');
  const stoppedAt = health.body.now;
  assert.equal(await sandbox.stop('SIGTERM'), 0);
  const resumeAt = stoppedAt + 10 * 60_000;
  const restarted = await startSandboxProcess({ dataDir: sandbox.dataDir, now: String(resumeAt) });
  for (const order of orders) {
    const done = await waitFor(
      `order ${order.id} to fill on missed ticks`,
      async () => {
        const now = await api<OrderBody>(restarted.url, token, 'GET', `/orders/${order.id}`);
        return now.body.status === 'filled' ? now.body : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const limit = order.limit_price as number;
    for (const fill of done.fills) {
      assert.ok(fill.t >= order.created_at && fill.t <= resumeAt + 30_000, `fill at ${fill.t}`);
      if (order.action === 'buy') assert.ok(fill.price <= limit);
      else assert.ok(fill.price >= limit);
    }
    // The market can move between reading the quote and placing the order, and then the limit
    // fills on acceptance; only an order that rested can show where the matcher caught up.
    if (order.status !== 'open') {
      assert.equal(done.fills[0]?.t, order.created_at, 'a fill on acceptance is at acceptance');
      continue;
    }
    // The fill is the first tick that reached the limit, as history shows it.
    const ticks = await api<{ ticks: { t: number; bid: number; ask: number }[] }>(
      restarted.url,
      token,
      'GET',
      `/market/historical?symbol=EURUSD&type=ticks&from=${order.created_at + 1}&to=${resumeAt}`,
    );
    const reaching = ticks.body.ticks.find((tick) =>
      order.action === 'buy' ? tick.ask <= limit : tick.bid >= limit,
    );
    assert.ok(reaching);
    assert.equal(done.fills[0]?.t, reaching.t);
    assert.equal(done.fills[0]?.price, order.action === 'buy' ? reaching.ask : reaching.bid);
  }
});
