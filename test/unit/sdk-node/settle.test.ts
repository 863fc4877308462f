// An order whose answer is lost: retried under its own key whatever the breaker, then looked up
// by its client_order_id; "not placed" only when the API says so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BreakerChange } from '../../../sdk/node/src/breaker';
import type { ClientNotice, ClientOptions } from '../../../sdk/node/src/client';
import { TimberClient } from '../../../sdk/node/src/client';
import {
  ApiError,
  CircuitOpenError,
  NetworkError,
  OrderOutcomeUnknownError,
  RateLimitedError,
} from '../../../sdk/node/src/errors';
import { FakeApi, errorBody, order, orderRequest, tokenAnswer } from './fake-api';

function clientOn(api: FakeApi, extra: Partial<ClientOptions> = {}) {
  const notices: ClientNotice[] = [];
  const changes: BreakerChange[] = [];
  const client = new TimberClient({
    baseUrl: 'http://api.test',
    keyId: 'key_1',
    secret: 'secret_1',
    transport: api.transport,
    now: () => api.now,
    sleep: (ms) => {
      api.now += ms;
      return Promise.resolve();
    },
    random: () => 0.5,
    onNotice: (notice) => notices.push(notice),
    maxAttempts: 3,
    ...extra,
    breaker: { onStateChange: (change) => changes.push(change), ...extra.breaker },
  });
  return { client, notices, changes };
}

const unavailable = { status: 503, body: errorBody('unavailable', 'down') };
const noOrders = { body: { orders: [], next_cursor: null } };
const body = (index: number, api: FakeApi) =>
  JSON.parse(api.sent('POST /orders')[index]?.body ?? 'null') as { client_order_id?: string };

test('every order carries a client_order_id, the same on every retry, as is its key', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('POST /orders', unavailable, { status: 201, body: order() });
  const { client } = clientOn(api);
  await client.placeOrder(orderRequest);
  const [first, second] = api.sent('POST /orders');
  assert.match(body(0, api).client_order_id ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(body(1, api).client_order_id, body(0, api).client_order_id);
  assert.equal(first.headers['Idempotency-Key'], second.headers['Idempotency-Key']);
  await client.placeOrder({ ...orderRequest, client_order_id: 'mine-1' });
  assert.equal(body(2, api).client_order_id, 'mine-1', "the caller's own id is kept");
});

test('a failure that opens the breaker does not end the order: it is retried under its key', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('POST /orders', unavailable, unavailable, { status: 201, body: order({ id: 'ord_7' }) });
  const { client, changes } = clientOn(api, { breaker: { failureThreshold: 2 } });
  const placed = await client.placeOrder(orderRequest);
  assert.equal(placed.id, 'ord_7', 'the accepted order is reported, not CircuitOpenError');
  const keys = new Set(api.sent('POST /orders').map((r) => r.headers['Idempotency-Key']));
  assert.equal(keys.size, 1);
  assert.equal(client.breaker.state, 'open', 'the retry answered does not close it early');
  assert.deepEqual(
    changes.map((change) => change.to),
    ['open'],
  );
  // The next new order is refused without a request.
  const sent = api.requests.length;
  await assert.rejects(client.placeOrder(orderRequest), CircuitOpenError);
  assert.equal(api.requests.length, sent);
});

test('a failed half-open trial is retried too, and the breaker waits its cooldown again', async () => {
  const api = new FakeApi().on('POST /oauth/token', tokenAnswer()).on('POST /orders', unavailable);
  const { client } = clientOn(api, { breaker: { failureThreshold: 1, cooldownMs: 5000 } });
  api.on('GET /orders', noOrders);
  await assert.rejects(client.placeOrder(orderRequest), ApiError);
  assert.equal(client.breaker.state, 'open');
  api.now = client.breaker.retryAt;
  api.on('POST /orders', unavailable, { status: 201, body: order({ id: 'ord_trial' }) });
  const placed = await client.placeOrder(orderRequest);
  assert.equal(placed.id, 'ord_trial');
  assert.equal(client.breaker.state, 'open');
  assert.ok(client.breaker.retryAt > api.now, 'a new cooldown from the failed trial');
});

test('attempts out with 503s after commit: the order found by client_order_id is the answer', async () => {
  const api = new FakeApi().on('POST /oauth/token', tokenAnswer()).on('POST /orders', unavailable);
  api.on('GET /orders', {
    get body() {
      const id = body(0, api).client_order_id;
      return {
        orders: [order({ id: 'ord_other', client_order_id: 'x' }), order({ client_order_id: id })],
        next_cursor: null,
      };
    },
  });
  const { client, notices } = clientOn(api);
  const placed = await client.placeOrder(orderRequest);
  assert.equal(placed.id, 'ord_1');
  const lookup = api.sent('GET /orders')[0];
  assert.equal(new URL(lookup.url).search, '?status=all&symbol=EURUSD&limit=500');
  const found = notices.find((notice) => notice.type === 'looked_up');
  assert.equal(found?.type === 'looked_up' && found.order?.id, 'ord_1');
});

test('the lookup pages through the orders until it finds the id', async () => {
  const api = new FakeApi().on('POST /oauth/token', tokenAnswer()).on('POST /orders', unavailable);
  const { client } = clientOn(api);
  api.on(
    'GET /orders',
    { body: { orders: [order({ id: 'ord_a', client_order_id: 'a' })], next_cursor: 'c2' } },
    {
      get body() {
        return {
          orders: [order({ client_order_id: body(0, api).client_order_id })],
          next_cursor: null,
        };
      },
    },
  );
  assert.equal((await client.placeOrder(orderRequest)).id, 'ord_1');
  assert.match(api.sent('GET /orders')[1].url, /cursor=c2/);
});

test('no answer at all, and the lookup fails too: OrderOutcomeUnknownError, saying how to check', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('POST /orders', { network: true })
    .on('GET /orders', unavailable);
  const { client } = clientOn(api, { breaker: { failureThreshold: 100 } });
  await assert.rejects(
    client.placeOrder({ ...orderRequest, client_order_id: 'intent-1' }),
    (error: unknown) => {
      assert.ok(error instanceof OrderOutcomeUnknownError);
      assert.equal(error.clientOrderId, 'intent-1');
      assert.equal(error.idempotencyKey, api.sent('POST /orders')[0].headers['Idempotency-Key']);
      assert.match(error.message, /may have been placed/);
      assert.match(
        error.message,
        /GET \/orders\?status=all&symbol=EURUSD for client_order_id intent-1/,
      );
      assert.match(error.message, /Idempotency-Key/);
      return true;
    },
  );
});

test('no answer, and the order not listed: unknown still, since that attempt may be running', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('POST /orders', { network: true })
    .on('GET /orders', noOrders);
  const { client } = clientOn(api);
  await assert.rejects(client.placeOrder(orderRequest), (error: unknown) => {
    assert.ok(error instanceof OrderOutcomeUnknownError);
    assert.match(error.message, /may still be running/);
    return true;
  });
});

test('a refused connection never sent the order: NetworkError, no lookup', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('POST /orders', { refused: true });
  const { client } = clientOn(api);
  await assert.rejects(client.placeOrder(orderRequest), NetworkError);
  assert.equal(api.sent('GET /orders').length, 0);
});

test('only 429s: the server said it did not take the order; no lookup', async () => {
  const api = new FakeApi().on('POST /oauth/token', tokenAnswer()).on('POST /orders', {
    status: 429,
    body: errorBody('rate_limited', 'slow down'),
    headers: { 'Retry-After': '1' },
  });
  const { client } = clientOn(api);
  await assert.rejects(client.placeOrder(orderRequest), RateLimitedError);
  assert.equal(api.sent('GET /orders').length, 0);
});

test('a 503 then 429s: unknown after the 503, so it is looked up', async () => {
  const limited = {
    status: 429,
    body: errorBody('rate_limited', 'slow down'),
    headers: { 'Retry-After': '1' },
  };
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('POST /orders', unavailable, limited)
    .on('GET /orders', noOrders);
  const { client } = clientOn(api);
  await assert.rejects(client.placeOrder(orderRequest), (error: unknown) => {
    assert.ok(error instanceof RateLimitedError);
    assert.match(error.message, /not placed/);
    return true;
  });
  assert.equal(api.sent('GET /orders').length, 1);
});

test('an order that only reduces a position, and a cancel, pass an open breaker', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('GET /account/positions', { body: { positions: [] }, takesMs: 2000 })
    .on('POST /orders', { status: 201, body: order() })
    .on('DELETE /orders/ord_1', { body: order({ status: 'cancelled' }) });
  const { client } = clientOn(api);
  await client.positions();
  assert.equal(client.breaker.state, 'open');
  await assert.rejects(client.placeOrder(orderRequest), CircuitOpenError);
  await client.placeOrder({ ...orderRequest, action: 'sell' }, { reducesPosition: true });
  await client.cancelOrder('ord_1');
  assert.equal(api.sent('POST /orders').length, 1);
  assert.equal(client.breaker.state, 'open', 'their fast answers do not close it');
});

test('a 429 answered to a trial does not close the breaker, and frees the slot', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('GET /account/positions', { body: { positions: [] }, takesMs: 2000 })
    .on('POST /orders', {
      status: 429,
      body: errorBody('rate_limited', 'slow down'),
      headers: { 'Retry-After': '0' },
    });
  const { client } = clientOn(api, { maxAttempts: 1 });
  await client.positions();
  api.now = client.breaker.retryAt;
  await assert.rejects(client.placeOrder(orderRequest), RateLimitedError);
  assert.equal(client.breaker.state, 'half_open');
  api.on('POST /orders', { status: 201, body: order() });
  await client.placeOrder(orderRequest);
  assert.equal(client.breaker.state, 'closed');
});

test('every retry is told: what failed, which retry, and the wait', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('GET /account/positions', unavailable, { network: true }, { body: { positions: [] } });
  const { client, notices } = clientOn(api);
  await client.positions();
  assert.deepEqual(notices, [
    {
      type: 'retry',
      method: 'GET',
      path: '/account/positions',
      retry: 1,
      retries: 2,
      delayMs: 50,
      reason: 'HTTP 503 unavailable',
    },
    {
      type: 'retry',
      method: 'GET',
      path: '/account/positions',
      retry: 2,
      retries: 2,
      delayMs: 100,
      reason: 'no answer (connection reset (GET /account/positions))',
    },
  ]);
});

test('a cancel retried after a lost answer meets 409: the cancelled order is the answer', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('DELETE /orders/ord_1', unavailable, {
      status: 409,
      body: errorBody('conflict', 'order ord_1 is cancelled'),
    })
    .on('GET /orders/ord_1', { body: order({ status: 'cancelled' }) });
  const { client } = clientOn(api);
  const cancelled = await client.cancelOrder('ord_1');
  assert.equal(cancelled.status, 'cancelled');
});

test('a 409 to a cancel sent once is the answer: the order had ended before', async () => {
  const api = new FakeApi().on('POST /oauth/token', tokenAnswer()).on('DELETE /orders/ord_1', {
    status: 409,
    body: errorBody('conflict', 'order ord_1 is filled'),
  });
  const { client } = clientOn(api);
  await assert.rejects(client.cancelOrder('ord_1'), (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 409);
    return true;
  });
  assert.equal(api.sent('GET /orders/ord_1').length, 0);
});
