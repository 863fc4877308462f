import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SandboxProcess } from './harness';
import {
  accessToken,
  api,
  createKey,
  marketBuy,
  startSandboxProcess,
  stopAllSandboxes,
  tradingSandbox,
} from './harness';

after(() => stopAllSandboxes());

interface Inner {
  id: string;
  method: string;
  path: string;
  body?: unknown;
  idempotency_key?: string;
}
interface BatchAnswer {
  responses: { id: string; status: number; body: unknown }[];
}
interface ErrorBody {
  error: { code: string; message: string; details: { path: string }[]; request_id: string };
}

const resting = (clientOrderId: string) => ({
  ...marketBuy(1000),
  order_type: 'limit',
  limit_price: 0.5,
  client_order_id: clientOrderId,
});
/** An error body without its request_id, which differs between a batch and a direct call. */
const withoutRequestId = (body: unknown) => {
  const { error } = body as ErrorBody;
  return { ...error, request_id: undefined };
};

describe('POST /batch', () => {
  let sandbox: SandboxProcess;
  let tradeToken: string;
  let readToken: string;
  const batch = (
    token: string,
    requests: Inner[] | Record<string, unknown>[],
    headers: Record<string, string> = {},
  ) => api<BatchAnswer & ErrorBody>(sandbox.url, token, 'POST', '/batch', { requests }, headers);

  before(async () => {
    sandbox = await startSandboxProcess();
    const [trade, read] = await Promise.all([
      createKey(sandbox, 'trade'),
      createKey(sandbox, 'read'),
    ]);
    [tradeToken, readToken] = await Promise.all([
      accessToken(sandbox.url, trade),
      accessToken(sandbox.url, read),
    ]);
  });

  test('mixed inner requests answer in order, each as if sent alone', async () => {
    const badOrder = { ...marketBuy(-1), time_in_force: 'never' };
    const answer = await batch(
      tradeToken,
      [
        { id: 'account', method: 'GET', path: '/account' },
        {
          id: 'order',
          method: 'POST',
          path: '/orders',
          body: resting('batch-1'),
          idempotency_key: 'batch-key-1',
        },
        { id: 'bad', method: 'POST', path: '/orders', body: badOrder },
        { id: 'listed', method: 'GET', path: '/orders?status=open&limit=10' },
        { id: 'missing', method: 'GET', path: '/orders/ord_0000999999' },
        { id: 'nowhere', method: 'GET', path: '/nowhere' },
        { id: 'candles', method: 'GET', path: '/market/candles?symbol=EURUSD&limit=2' },
        { id: 'cancel', method: 'POST', path: '/orders/cancel', body: { ids: ['ord_nope'] } },
      ],
      { 'X-Request-Id': 'outer-1' },
    );
    assert.equal(answer.status, 200);
    assert.deepEqual(
      answer.body.responses.map((r) => [r.id, r.status]),
      [
        ['account', 200],
        ['order', 201],
        ['bad', 400],
        ['listed', 200],
        ['missing', 404],
        ['nowhere', 404],
        ['candles', 200],
        ['cancel', 207],
      ],
    );
    const [account, order, bad, listed, missing] = answer.body.responses.map((r) => r.body);
    // Later requests see earlier ones' effects.
    const placed = order as { id: string; client_order_id: string };
    assert.equal(placed.client_order_id, 'batch-1');
    const listedIds = (listed as { orders: { id: string }[] }).orders.map((o) => o.id);
    assert.ok(listedIds.includes(placed.id));
    // Bodies are what the requests alone answer.
    assert.deepEqual((await api(sandbox.url, tradeToken, 'GET', '/account')).body, account);
    assert.deepEqual(
      (await api(sandbox.url, tradeToken, 'GET', `/orders/${placed.id}`)).body,
      placed,
    );
    const alone = await api(sandbox.url, tradeToken, 'POST', '/orders', badOrder);
    assert.equal(alone.status, 400);
    assert.deepEqual(withoutRequestId(bad), withoutRequestId(alone.body));
    const innerError = (missing as ErrorBody).error;
    assert.equal(innerError.code, 'not_found');
    assert.match(innerError.request_id, /^outer-1\b/, 'inner request ids derive from the outer');
    // The inner idempotency key is the account's like any other: a direct retry replays it.
    const retry = await api(sandbox.url, tradeToken, 'POST', '/orders', resting('batch-1'), {
      'Idempotency-Key': 'batch-key-1',
    });
    assert.equal(retry.status, 201);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(retry.body, placed);
    const again = await batch(tradeToken, [
      {
        id: 'again',
        method: 'POST',
        path: '/orders',
        body: resting('batch-1'),
        idempotency_key: 'batch-key-1',
      },
      {
        id: 'other',
        method: 'POST',
        path: '/orders',
        body: resting('batch-2'),
        idempotency_key: 'batch-key-1',
      },
    ]);
    assert.deepEqual(again.body.responses[0], { id: 'again', status: 201, body: placed });
    assert.equal(again.body.responses[1]?.status, 409);
    const all = await api<{ orders: { client_order_id: string }[] }>(
      sandbox.url,
      tradeToken,
      'GET',
      '/orders?status=all',
    );
    assert.equal(all.body.orders.filter((o) => o.client_order_id === 'batch-1').length, 1);
    assert.equal(all.body.orders.filter((o) => o.client_order_id === 'batch-2').length, 0);
  });

  test('an inner request beyond the key’s scope gets its own 403', async () => {
    const answer = await batch(readToken, [
      { id: 'read', method: 'GET', path: '/account' },
      { id: 'place', method: 'POST', path: '/orders', body: resting('read-batch') },
      { id: 'cancel', method: 'POST', path: '/orders/cancel', body: { all: true } },
      { id: 'reset', method: 'POST', path: '/sandbox/reset' },
      { id: 'orders', method: 'GET', path: '/orders' },
      { id: 'admin', method: 'POST', path: '/admin/keys', body: { scope: 'trade' } },
    ]);
    assert.equal(answer.status, 200);
    assert.deepEqual(
      answer.body.responses.map((r) => [r.id, r.status]),
      [
        ['read', 200],
        ['place', 403],
        ['cancel', 403],
        ['reset', 403],
        ['orders', 200],
        ['admin', 403],
      ],
    );
    for (const response of answer.body.responses.filter((r) => r.status === 403)) {
      assert.equal((response.body as ErrorBody).error.code, 'forbidden', response.id);
    }
    // Nothing happened: the open orders the trade key placed are still open.
    const open = answer.body.responses[4]?.body as { orders: unknown[] };
    const after = await api<{ orders: unknown[] }>(sandbox.url, readToken, 'GET', '/orders');
    assert.equal(after.body.orders.length, open.orders.length);
    assert.ok(open.orders.length > 0);
  });

  test('the batch itself is validated: size, nesting, ids', async () => {
    const get = (id: string) => ({ id, method: 'GET', path: '/market/EURUSD' });
    const fifty = await batch(
      readToken,
      Array.from({ length: 50 }, (_, n) => get(`r${n}`)),
    );
    assert.equal(fifty.status, 200);
    assert.equal(fifty.body.responses.length, 50);
    assert.ok(fifty.body.responses.every((r, n) => r.id === `r${n}` && r.status === 200));
    const cases: [string, Record<string, unknown>[], string][] = [
      ['51 requests', Array.from({ length: 51 }, (_, n) => get(`r${n}`)), 'requests'],
      ['none', [], 'requests'],
      ['nested', [get('a'), { id: 'b', method: 'POST', path: '/batch' }], 'requests.1.path'],
      [
        'nested with a query',
        [{ id: 'b', method: 'POST', path: '/batch?x=1', body: { requests: [] } }],
        'requests.0.path',
      ],
      ['duplicate ids', [get('a'), get('b'), get('a')], 'requests.2.id'],
      ['bad method', [{ id: 'a', method: 'PATCH', path: '/account' }], 'requests.0.method'],
      ['relative path', [{ id: 'a', method: 'GET', path: 'account' }], 'requests.0.path'],
      ['unknown field', [{ ...get('a'), headers: {} }], 'requests.0.headers'],
    ];
    for (const [label, requests, path] of cases) {
      const answer = await batch(readToken, requests);
      assert.equal(answer.status, 400, label);
      assert.equal(answer.body.error.code, 'invalid_request', label);
      assert.ok(
        answer.body.error.details.some((d) => d.path === path),
        `${label}: ${JSON.stringify(answer.body.error.details)}`,
      );
    }
    const unauthenticated = await api(sandbox.url, null, 'POST', '/batch', {
      requests: [get('a')],
    });
    assert.equal(unauthenticated.status, 401);
  });
});

test('inner requests count against the key’s rate limit', async () => {
  const { call } = await tradingSandbox({ args: ['--key-rate-limit', '5'] });
  const requests = Array.from({ length: 8 }, (_, n) => ({
    id: `g${n}`,
    method: 'GET',
    path: '/account',
  }));
  let seen = false;
  for (let round = 0; round < 10 && !seen; round++) {
    // Start at the top of a second so that the whole batch falls in one window.
    const boundary = Math.floor(Date.now() / 1000) * 1000 + 1000;
    while (Date.now() < boundary) await new Promise((resolve) => setTimeout(resolve, 5));
    const answer = await call<BatchAnswer>('POST', '/batch', { requests });
    if (answer.status === 429) continue;
    assert.equal(answer.status, 200);
    const statuses = answer.body.responses.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 200 || s === 429));
    assert.ok(statuses.filter((s) => s === 200).length <= 5);
    if (!statuses.includes(429)) continue;
    seen = true;
    // The batch took one request of the window; four inner ones fit in the rest.
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429, 429, 429]);
    const refused = answer.body.responses[4]?.body as ErrorBody;
    assert.equal(refused.error.code, 'rate_limited');
  }
  assert.ok(seen, 'an 8-request batch never met a limit of 5 per second');
});
