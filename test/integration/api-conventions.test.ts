import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Answer } from './harness';
import { api, marketBuy, stopAllSandboxes, tradingSandbox } from './harness';

after(() => stopAllSandboxes());

interface ErrorBody {
  error: {
    code: string;
    message: string;
    details: { path: string; message: string; reason?: string }[];
    request_id: string;
  };
}

/** The one error shape, exactly: no field more or less, request_id matching the header. */
function assertErrorShape(answer: Answer, status: number, code: string, label = '') {
  assert.equal(answer.status, status, label);
  const body = answer.body as ErrorBody;
  assert.deepEqual(Object.keys(body), ['error'], label);
  assert.deepEqual(
    Object.keys(body.error).sort(),
    ['code', 'details', 'message', 'request_id'],
    label,
  );
  assert.equal(body.error.code, code, label);
  assert.equal(typeof body.error.message, 'string', label);
  assert.ok(body.error.message.length > 0, label);
  assert.ok(Array.isArray(body.error.details), label);
  for (const detail of body.error.details) {
    assert.equal(typeof detail.path, 'string', label);
    assert.equal(typeof detail.message, 'string', label);
    const extra = Object.keys(detail).filter((k) => !['path', 'message', 'reason'].includes(k));
    assert.deepEqual(extra, [], label);
  }
  assert.equal(body.error.request_id, answer.headers.get('x-request-id'), label);
}

/** X-Request-Id and the three rate-limit headers, Reset being the next whole second. */
function assertStandardHeaders(headers: Headers, sentAt: number, receivedAt: number, label = '') {
  assert.ok((headers.get('x-request-id') ?? '').length > 0, `${label}: X-Request-Id`);
  const limit = Number(headers.get('x-ratelimit-limit'));
  const remaining = Number(headers.get('x-ratelimit-remaining'));
  const reset = Number(headers.get('x-ratelimit-reset'));
  assert.ok(Number.isInteger(limit) && limit > 0, `${label}: X-RateLimit-Limit ${limit}`);
  assert.ok(
    Number.isInteger(remaining) && remaining >= 0 && remaining <= limit,
    `${label}: X-RateLimit-Remaining ${remaining}`,
  );
  assert.equal(reset % 1000, 0, `${label}: X-RateLimit-Reset ${reset} is a whole second`);
  assert.ok(
    reset > sentAt && reset <= receivedAt + 1000,
    `${label}: X-RateLimit-Reset ${reset} is the next second after ${sentAt}..${receivedAt}`,
  );
}

describe('conventions', () => {
  let url: string;
  let token: string;
  let call: Awaited<ReturnType<typeof tradingSandbox>>['call'];

  before(async () => {
    const setup = await tradingSandbox();
    ({ call, token } = setup);
    url = setup.sandbox.url;
  });

  test('every kind of answer carries X-Request-Id and the rate-limit headers', async () => {
    const resting = await call<{ id: string }>('POST', '/orders', {
      ...marketBuy(1000),
      order_type: 'limit',
      limit_price: 0.5,
    });
    await call('DELETE', `/orders/${resting.body.id}`);
    const cases: [string, string, unknown, string | null, number][] = [
      ['GET', '/account', undefined, token, 200],
      [
        'POST',
        '/orders',
        { ...marketBuy(1000), order_type: 'limit', limit_price: 0.5 },
        token,
        201,
      ],
      ['POST', '/orders', { symbol: 'EURUSD' }, token, 400],
      ['GET', '/account', undefined, null, 401],
      ['GET', '/account', undefined, 'nonsense', 401],
      ['GET', '/orders/ord_does_not_exist', undefined, token, 404],
      ['GET', '/no/such/endpoint', undefined, token, 404],
      ['DELETE', '/account', undefined, token, 405],
      ['DELETE', `/orders/${resting.body.id}`, undefined, token, 409],
      ['GET', '/market/candles?symbol=NOSUCH', undefined, token, 422],
      ['GET', '/openapi.json', undefined, null, 200],
      ['GET', '/health', undefined, null, 200],
      ['POST', '/oauth/token', { grant_type: 'client_credentials' }, null, 400],
    ];
    const seen = new Set<string>();
    for (const [method, path, body, bearer, status] of cases) {
      const label = `${method} ${path} → ${status}`;
      const sentAt = Date.now();
      const answer = await api(url, bearer, method, path, body);
      assertStandardHeaders(answer.headers, sentAt, Date.now(), label);
      assert.equal(answer.status, status, label);
      const id = answer.headers.get('x-request-id') as string;
      assert.equal(seen.has(id), false, `${label}: request ids are unique`);
      seen.add(id);
      if (status >= 400) {
        const code = status === 405 ? 'invalid_request' : errorCodeOf(status);
        assertErrorShape(answer, status, code, label);
      }
    }
    // NDJSON streams carry them too.
    const sentAt = Date.now();
    const stream = await fetch(
      `${url}/market/historical?symbol=EURUSD&from=1709715600000&to=1709719200000`,
      {
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/x-ndjson',
          'X-Request-Id': 'ndjson-1',
        },
      },
    );
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /application\/x-ndjson/);
    assertStandardHeaders(stream.headers, sentAt, Date.now(), 'ndjson');
    assert.equal(stream.headers.get('x-request-id'), 'ndjson-1');
    assert.ok((await stream.text()).split('\n').length > 10);
  });

  test('a client-sent X-Request-Id is echoed, in the header and in request_id', async () => {
    const ok = await call('GET', '/account', undefined, { 'X-Request-Id': 'client-req-42' });
    assert.equal(ok.headers.get('x-request-id'), 'client-req-42');
    const missing = await call<ErrorBody>('GET', '/orders/nope', undefined, {
      'X-Request-Id': 'client-req-43',
    });
    assert.equal(missing.headers.get('x-request-id'), 'client-req-43');
    assert.equal(missing.body.error.request_id, 'client-req-43');
    const unauthorized = await api<ErrorBody>(url, null, 'GET', '/account', undefined, {
      'X-Request-Id': 'client-req-44',
    });
    assert.equal(unauthorized.body.error.request_id, 'client-req-44');
    const refused = await call<ErrorBody>('POST', '/orders', marketBuy(-1), {
      'X-Request-Id': 'client-req-45',
    });
    assert.equal(refused.body.error.request_id, 'client-req-45');
    // One that is not a sensible id (spaces) is replaced, not echoed.
    const odd = await call('GET', '/account', undefined, { 'X-Request-Id': 'has spaces in it' });
    assert.notEqual(odd.headers.get('x-request-id'), 'has spaces in it');
    assert.ok((odd.headers.get('x-request-id') ?? '').length > 0);
  });

  test('unknown path 404; wrong method 405 with Allow naming the methods', async () => {
    assertErrorShape(await call('GET', '/accounts'), 404, 'not_found');
    assertErrorShape(await call('GET', '/orders/a/b'), 404, 'not_found');
    const cases: [string, string, string[]][] = [
      ['DELETE', '/account', ['GET']],
      ['POST', '/market/EURUSD', ['GET']],
      ['GET', '/orders/cancel', ['POST']],
      ['POST', '/orders/ord_x', ['DELETE', 'GET']],
      ['DELETE', '/orders', ['GET', 'POST']],
      ['GET', '/oauth/token', ['POST']],
    ];
    for (const [method, path, allowed] of cases) {
      const answer = await call(method, path);
      assertErrorShape(answer, 405, 'invalid_request', `${method} ${path}`);
      const allow = (answer.headers.get('allow') ?? '').split(/,\s*/).sort();
      assert.deepEqual(allow, allowed, `${method} ${path}`);
    }
  });

  test('query parameters an endpoint does not know are each named in details', async () => {
    const cases: [string, string[]][] = [
      ['/account?foo=1&bar=2', ['bar', 'foo']],
      ['/orders?status=all&colour=red', ['colour']],
      ['/market/candles?symbol=EURUSD&interval=1m&since=5&page=2', ['page', 'since']],
      ['/account/positions?symbol=EURUSD', ['symbol']],
      ['/market?kind=forex', ['kind']],
    ];
    for (const [path, names] of cases) {
      const answer = await call<ErrorBody>('GET', path);
      assertErrorShape(answer, 400, 'invalid_request', path);
      const named = answer.body.error.details.map((d) => d.path).sort();
      assert.deepEqual(named, names, path);
      for (const name of names) assert.match(answer.body.error.message, new RegExp(name), path);
    }
  });
});

function errorCodeOf(status: number): string {
  const codes: Record<number, string> = {
    400: 'invalid_request',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not_found',
    409: 'conflict',
    422: 'unprocessable',
    429: 'rate_limited',
  };
  return codes[status] ?? 'internal';
}
