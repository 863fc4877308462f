import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { marketBuy, stopAllSandboxes, tradingSandbox } from './harness';

after(() => stopAllSandboxes());

test('a curl user can go token → instruments → candles → order → account → cancel', async () => {
  const { call } = await tradingSandbox();
  const market = await call<{ instruments: { symbol: string }[] }>('GET', '/market');
  assert.equal(market.status, 200);
  assert.ok(market.body.instruments.length >= 500);
  const candles = await call<{
    candles: { t: number; o: number; h: number; l: number; c: number }[];
  }>('GET', '/market/candles?symbol=EURUSD&interval=1m&limit=10');
  assert.equal(candles.status, 200);
  assert.equal(candles.body.candles.length, 10);
  const filled = await call<{ status: string; filled_quantity: number }>(
    'POST',
    '/orders',
    marketBuy(10_000),
  );
  assert.equal(filled.status, 201);
  assert.equal(filled.body.status, 'filled');
  const resting = await call<{ id: string; status: string }>('POST', '/orders', {
    ...marketBuy(1000),
    order_type: 'limit',
    limit_price: 0.5,
  });
  assert.equal(resting.body.status, 'open');
  const account = await call<{ positions: { symbol: string; quantity: number }[] }>(
    'GET',
    '/account',
  );
  assert.deepEqual(
    account.body.positions.map((p) => [p.symbol, p.quantity]),
    [['EURUSD', 10_000]],
  );
  const cancelled = await call<{ status: string }>('DELETE', `/orders/${resting.body.id}`);
  assert.equal(cancelled.status, 200);
  assert.equal(cancelled.body.status, 'cancelled');
  const again = await call<{ error: { code: string } }>('DELETE', `/orders/${resting.body.id}`);
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'conflict');
});

test('an idempotent replay gives the original answer, not the order as it is now', async () => {
  const { call } = await tradingSandbox();
  const body = { ...marketBuy(2000), order_type: 'limit', limit_price: 0.5 };
  const headers = { 'Idempotency-Key': 'replay-after-cancel' };
  const first = await call<{ id: string; status: string }>('POST', '/orders', body, headers);
  assert.equal(first.body.status, 'open');
  const cancelled = await call<{ status: string }>('DELETE', `/orders/${first.body.id}`);
  assert.equal(cancelled.body.status, 'cancelled');
  const replay = await call<{ id: string; status: string }>('POST', '/orders', body, headers);
  assert.equal(replay.status, 201);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(replay.body, first.body);
});
