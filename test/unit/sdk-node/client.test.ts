import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BreakerChange } from '../../../sdk/node/src/breaker';
import { TimberClient } from '../../../sdk/node/src/client';
import {
  ApiError,
  CircuitOpenError,
  NetworkError,
  RateLimitedError,
} from '../../../sdk/node/src/errors';
import { FakeApi, errorBody, order, orderRequest, tokenAnswer } from './fake-api';

function clientOn(
  api: FakeApi,
  extra: Partial<ConstructorParameters<typeof TimberClient>[0]> = {},
) {
  const sleeps: number[] = [];
  const client = new TimberClient({
    baseUrl: 'http://api.test/',
    keyId: 'key_1',
    secret: 'secret_1',
    transport: api.transport,
    now: () => api.now,
    sleep: (ms) => {
      sleeps.push(ms);
      api.now += ms;
      return Promise.resolve();
    },
    random: () => 0.5,
    ...extra,
  });
  return { client, sleeps };
}

test('an order keeps one Idempotency-Key across its retries of 503s and network errors', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on(
      'POST /orders',
      { status: 503, body: errorBody('unavailable', 'busy') },
      { network: true },
      { status: 201, body: order() },
    );
  const { client, sleeps } = clientOn(api);
  const placed = await client.placeOrder(orderRequest);
  assert.equal(placed.id, 'ord_1');
  const keys = api.sent('POST /orders').map((request) => request.headers['Idempotency-Key']);
  assert.equal(keys.length, 3);
  assert.match(keys[0], /^[0-9a-f-]{36}$/);
  assert.deepEqual(new Set(keys).size, 1, 'every retry carries the first key');
  // Full jitter with random() = 0.5: half of base × 2^attempt.
  assert.deepEqual(sleeps, [50, 100]);
});

test('two orders get two different keys', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('POST /orders', { status: 201, body: order() });
  const { client } = clientOn(api);
  await client.placeOrder(orderRequest);
  await client.placeOrder(orderRequest);
  const [first, second] = api.sent('POST /orders').map((r) => r.headers['Idempotency-Key']);
  assert.notEqual(first, second);
});

test('a 429 waits the Retry-After the server gave, not the backoff', async () => {
  const api = new FakeApi().on('POST /oauth/token', tokenAnswer()).on(
    'GET /account/positions',
    {
      status: 429,
      body: errorBody('rate_limited', 'slow down'),
      headers: { 'Retry-After': '3' },
    },
    { body: { positions: [] } },
  );
  const { client, sleeps } = clientOn(api);
  await client.positions();
  assert.deepEqual(sleeps, [3000]);
});

test('429 on every attempt ends in RateLimitedError with the server wait', async () => {
  const api = new FakeApi().on('POST /oauth/token', tokenAnswer()).on('GET /account/positions', {
    status: 429,
    body: errorBody('rate_limited', 'slow down'),
    headers: { 'Retry-After': '1' },
  });
  const { client } = clientOn(api, { maxAttempts: 3 });
  await assert.rejects(client.positions(), (error: unknown) => {
    assert.ok(error instanceof RateLimitedError);
    assert.equal(error.retryAfterMs, 1000);
    assert.equal(error.status, 429);
    return true;
  });
  assert.equal(api.sent('GET /account/positions').length, 3);
});

test('a POST that is not safe to repeat is sent once, whatever the answer', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('POST /sandbox/reset', { status: 503, body: errorBody('unavailable', 'busy') });
  const { client } = clientOn(api);
  await assert.rejects(client.call('POST', '/sandbox/reset', order as never, {}), ApiError);
  assert.equal(api.sent('POST /sandbox/reset').length, 1);
});

test('network errors on every attempt end in NetworkError saying what to check', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('GET /account', { network: true });
  const { client } = clientOn(api, { maxAttempts: 2 });
  await assert.rejects(client.account(), (error: unknown) => {
    assert.ok(error instanceof NetworkError);
    assert.match(error.message, /reset/);
    return true;
  });
});

test('an API error keeps status, code, message, details and request id', async () => {
  const api = new FakeApi().on('POST /oauth/token', tokenAnswer()).on('POST /orders', {
    status: 422,
    body: {
      error: {
        code: 'unprocessable',
        message: 'Not enough margin.',
        details: [{ path: 'quantity', message: 'too large', reason: 'insufficient_margin' }],
        request_id: 'req_42',
      },
    },
  });
  const { client } = clientOn(api);
  await assert.rejects(client.placeOrder(orderRequest), (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 422);
    assert.equal(error.code, 'unprocessable');
    assert.equal(error.requestId, 'req_42');
    assert.equal(error.details[0]?.reason, 'insufficient_margin');
    assert.match(error.describe(), /quantity too large/);
    return true;
  });
  assert.equal(api.sent('POST /orders').length, 1, '4xx is not retried');
});

test('an answer outside the contract is an error naming the field', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('GET /account', { body: { account_id: 'a', currency: 'USD' } });
  const { client } = clientOn(api);
  await assert.rejects(client.account(), /does not match the API contract \(balance/);
});

test('a 401 renews the token once (refresh grant) and repeats the request', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer('tok_1'), tokenAnswer('tok_2'))
    .on(
      'GET /account/positions',
      { status: 401, body: errorBody('unauthorized', 'expired') },
      { body: { positions: [] } },
    );
  const { client } = clientOn(api);
  await client.positions();
  const tokens = api
    .sent('POST /oauth/token')
    .map((r) => JSON.parse(r.body!) as { grant_type: string });
  assert.deepEqual(
    tokens.map((body) => body.grant_type),
    ['client_credentials', 'refresh_token'],
  );
  const auth = api.sent('GET /account/positions').map((r) => r.headers.Authorization);
  assert.deepEqual(auth, ['Bearer tok_1', 'Bearer tok_2']);
});

test('a second 401 in a row is an error, not a loop', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('GET /account', { status: 401, body: errorBody('unauthorized', 'no') });
  const { client } = clientOn(api);
  await assert.rejects(
    client.account(),
    (error: unknown) => error instanceof ApiError && error.status === 401,
  );
  assert.equal(api.sent('GET /account').length, 2);
});

test('the token is renewed before it expires, and shared by concurrent calls', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer('tok_1', 100), tokenAnswer('tok_2', 100))
    .on('GET /account/positions', { body: { positions: [] } });
  const { client } = clientOn(api);
  await Promise.all([client.positions(), client.positions(), client.positions()]);
  assert.equal(api.sent('POST /oauth/token').length, 1);
  api.now += 89_000; // 100 s lifetime, renewed a tenth early: still good at 89 s...
  await client.positions();
  assert.equal(api.sent('POST /oauth/token').length, 1);
  api.now += 2_000; // ...and renewed at 91 s, before the server would refuse it.
  await client.positions();
  assert.equal(api.sent('POST /oauth/token').length, 2);
  assert.equal(api.sent('GET /account/positions').at(-1)?.headers.Authorization, 'Bearer tok_2');
});

test('a refused refresh token falls back to the key secret', async () => {
  const api = new FakeApi()
    .on(
      'POST /oauth/token',
      tokenAnswer('tok_1', 10),
      { status: 401, body: errorBody('unauthorized', 'refresh token expired') },
      tokenAnswer('tok_3'),
    )
    .on('GET /account/positions', { body: { positions: [] } });
  const { client } = clientOn(api);
  await client.positions();
  api.now += 20_000;
  await client.positions();
  const grants = api
    .sent('POST /oauth/token')
    .map((r) => (JSON.parse(r.body!) as { grant_type: string }).grant_type);
  assert.deepEqual(grants, ['client_credentials', 'refresh_token', 'client_credentials']);
});

test('wrong credentials say which key and which variables to check', async () => {
  const api = new FakeApi().on('POST /oauth/token', {
    status: 401,
    body: errorBody('unauthorized', 'client_id or client_secret is wrong'),
  });
  const { client } = clientOn(api);
  await assert.rejects(client.account(), /key_1.*TIMBER_API_KEY_ID and TIMBER_API_SECRET/);
});

test('with Remaining 0 the next request waits until the window resets', async () => {
  const api = new FakeApi().on('POST /oauth/token', tokenAnswer());
  const reset = () => String(Math.ceil((api.now + 1) / 1000) * 1000);
  api.on('GET /account/positions', {
    body: { positions: [] },
    get headers() {
      return {
        'X-RateLimit-Limit': '2',
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': reset(),
      };
    },
  });
  const { client, sleeps } = clientOn(api);
  api.now = 1_700_000_000_400;
  await client.positions();
  assert.equal(sleeps.length, 0);
  const before = api.now;
  await client.positions();
  const waited: number[] = [...sleeps];
  assert.equal(waited.length, 1);
  const wait = waited[0] ?? -1;
  assert.ok(wait > 0 && wait <= 1000, `waited ${wait} ms`);
  assert.equal((before + wait) % 1000, 0, 'waited exactly until the window boundary');
});

test('the breaker opens after N failures, refuses orders without a request, then tries once', async () => {
  const changes: BreakerChange[] = [];
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('POST /orders', { status: 503, body: errorBody('unavailable', 'down') })
    .on('GET /orders', { body: { orders: [], next_cursor: null } });
  const { client } = clientOn(api, {
    maxAttempts: 3,
    breaker: { failureThreshold: 3, cooldownMs: 5000, onStateChange: (c) => changes.push(c) },
  });
  await assert.rejects(client.placeOrder(orderRequest), (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 503);
    assert.match(
      error.message,
      /not placed: every attempt was answered, and the API lists no order/,
    );
    return true;
  });
  assert.equal(client.breaker.state, 'open');
  const sent = api.requests.length;
  await assert.rejects(client.placeOrder(orderRequest), CircuitOpenError);
  assert.equal(api.requests.length, sent, 'no request while open');
  api.now += 5000;
  api.on('POST /orders', { status: 201, body: order() });
  await client.placeOrder(orderRequest);
  assert.equal(client.breaker.state, 'closed');
  assert.deepEqual(
    changes.map((c) => c.to),
    ['open', 'half_open', 'closed'],
  );
  assert.match(changes[0].reason, /3 requests failed in a row/);
});

test('one answer slower than the latency limit opens the breaker', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('GET /account/positions', { body: { positions: [] }, takesMs: 1500 });
  const { client } = clientOn(api, { breaker: { latencyLimitMs: 1000 } });
  await client.positions();
  assert.equal(client.breaker.state, 'open');
  await assert.rejects(client.placeOrder(orderRequest), CircuitOpenError);
});
