// The Node SDK's REST client against a real `tbm sandbox`: token refresh, idempotent order
// retries through injected 503s, Retry-After on injected 429s, rate-limit waits, and the
// circuit breaker driven by injected latency.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BreakerChange } from '../../sdk/node/src/breaker';
import type { ClientOptions } from '../../sdk/node/src/client';
import { TimberClient } from '../../sdk/node/src/client';
import { CircuitOpenError, RateLimitedError } from '../../sdk/node/src/errors';
import type { HttpAnswer, HttpRequest } from '../../sdk/node/src/transport';
import { nodeHttpTransport } from '../../sdk/node/src/transport';
import { createKey, stopAllSandboxes, tradingSandbox } from './harness';
import type { Key } from './harness';

after(() => stopAllSandboxes());

const buy = {
  symbol: 'EURUSD',
  action: 'buy',
  quantity: 1000,
  order_type: 'market',
  time_in_force: 'gtc',
} as const;

interface Recorded {
  request: HttpRequest;
  status: number | 'network';
}

function sdkClient(url: string, key: Key, options: Partial<ClientOptions> = {}) {
  const sent: Recorded[] = [];
  const transport = nodeHttpTransport();
  const client = new TimberClient({
    baseUrl: url,
    keyId: key.key_id,
    secret: key.secret,
    backoff: { baseMs: 5, capMs: 50 },
    transport: async (request) => {
      let answer: HttpAnswer;
      try {
        answer = await transport(request);
      } catch (error) {
        sent.push({ request, status: 'network' });
        throw error;
      }
      sent.push({ request, status: answer.status });
      return answer;
    },
    ...options,
  });
  const to = (route: string) =>
    sent.filter(({ request }) => `${request.method} ${new URL(request.url).pathname}` === route);
  return { client, sent, to };
}

describe('Node SDK REST client on a real sandbox', () => {
  let url: string;
  /** The SDK's key; faults are set on it through the harness's own key, which they spare. */
  let key: Key;
  let call: Awaited<ReturnType<typeof tradingSandbox>>['call'];
  const faults = (settings: Record<string, unknown>) =>
    call('PUT', '/sandbox/faults', { key_id: key.key_id, ...settings });
  const clearFaults = () => call('PUT', '/sandbox/faults', { key_id: key.key_id });

  before(async () => {
    const started = await tradingSandbox();
    call = started.call;
    url = started.sandbox.url;
    key = await createKey(started.sandbox, 'trade');
  });

  test('lists the instruments the API trades, each with its steps and hours', async () => {
    const { client } = sdkClient(url, key);
    const instruments = await client.instruments();
    assert.ok(instruments.length >= 500, `${instruments.length} instruments`);
    const eurusd = instruments.find((instrument) => instrument.symbol === 'EURUSD');
    assert.equal(eurusd?.kind, 'forex');
    assert.ok(eurusd.quantity_step > 0 && eurusd.tick_size > 0);
    assert.deepEqual(
      (await client.instrument('EURUSD')).symbol,
      'EURUSD',
      'one instrument, with its quote, by the same client',
    );
  });

  test('exchanges the key for a token, then renews it with the refresh token before expiry', async () => {
    let offset = 0;
    const { client, to } = sdkClient(url, key, { now: () => Date.now() + offset });
    const before = await client.account();
    offset = 3_590_000; // just short of the hour the token lives: inside the renewal margin
    const later = await client.account();
    assert.equal(later.account_id, before.account_id);
    const grants = to('POST /oauth/token').map(
      ({ request }) => (JSON.parse(request.body!) as { grant_type: string }).grant_type,
    );
    assert.deepEqual(grants, ['client_credentials', 'refresh_token']);
    const auths = to('GET /account').map(({ request }) => request.headers.Authorization);
    assert.notEqual(auths[0], auths[1], 'the renewed token is used');
  });

  test('orders go through injected 503s, each placed exactly once under its own key', async () => {
    const { client, to } = sdkClient(url, key, {
      maxAttempts: 8,
      breaker: { failureThreshold: 100 },
    });
    await client.account();
    const ordersBefore = (await client.orders({ status: 'all', limit: 500 })).orders.length;
    assert.equal((await faults({ error_rate: 0.5, seed: 7 })).status, 200);
    try {
      const placed = [];
      for (let i = 0; i < 8; i++) placed.push(await client.placeOrder(buy));
      assert.equal(new Set(placed.map((order) => order.id)).size, 8);
    } finally {
      assert.equal((await clearFaults()).status, 200);
    }
    const attempts = to('POST /orders');
    assert.ok(
      attempts.some(({ status }) => status === 503),
      'some attempts met a 503',
    );
    const byKey = new Map<string, number[]>();
    for (const { request, status } of attempts) {
      const idempotencyKey = request.headers['Idempotency-Key'];
      byKey.set(idempotencyKey, [...(byKey.get(idempotencyKey) ?? []), status as number]);
    }
    assert.equal(byKey.size, 8, 'one key per order, reused by its retries');
    for (const statuses of byKey.values()) assert.equal(statuses.at(-1), 201);
    const ordersAfter = (await client.orders({ status: 'all', limit: 500 })).orders.length;
    assert.equal(ordersAfter - ordersBefore, 8, 'no order placed twice');
  });

  test("injected 429s are retried after the server's Retry-After", async () => {
    const { client, to } = sdkClient(url, key, { maxAttempts: 2 });
    await client.account();
    await faults({ rate_limit_rate: 1, retry_after_s: 1 });
    const started = Date.now();
    try {
      await assert.rejects(client.positions(), (error: unknown) => {
        assert.ok(error instanceof RateLimitedError);
        assert.equal(error.retryAfterMs, 1000);
        assert.match(error.message, /rate limited/);
        return true;
      });
    } finally {
      await clearFaults();
    }
    const tries = to('GET /account/positions');
    assert.equal(tries.length, 2);
    assert.ok(Date.now() - started >= 1000, 'waited the Retry-After between the two tries');
  });

  test('latency past the limit pauses trading; a trial after the cooldown resumes it', async () => {
    const changes: BreakerChange[] = [];
    const { client, to } = sdkClient(url, key, {
      breaker: { latencyLimitMs: 150, cooldownMs: 1000, onStateChange: (c) => changes.push(c) },
    });
    await client.account();
    await faults({ latency_ms: 400 });
    try {
      await client.positions();
    } finally {
      await clearFaults();
    }
    assert.equal(client.breaker.state, 'open');
    assert.match(changes[0].reason, /took \d+ ms \(limit 150 ms\)/);
    const sent = to('POST /orders').length;
    await assert.rejects(client.placeOrder(buy), CircuitOpenError);
    assert.equal(to('POST /orders').length, sent, 'refused without a request');
    const cooldownEnds = client.breaker.retryAt;
    while (Date.now() < cooldownEnds) await new Promise((resolve) => setImmediate(resolve));
    const order = await client.placeOrder(buy);
    assert.equal(order.status, 'filled');
    assert.deepEqual(
      changes.map((change) => change.to),
      ['open', 'half_open', 'closed'],
    );
  });
});

describe('Node SDK rate-limit tracking', () => {
  test('with a small key limit, a burst of requests waits for each window instead of earning 429s', async () => {
    const { sandbox, key } = await tradingSandbox({ args: ['--key-rate-limit', '4'] });
    const { client, to } = sdkClient(sandbox.url, key, { maxAttempts: 1 });
    for (let i = 0; i < 14; i++) await client.positions();
    const statuses = to('GET /account/positions').map(({ status }) => status);
    assert.equal(statuses.length, 14);
    assert.ok(
      statuses.every((status) => status === 200),
      `every answer a 200: ${statuses.join(' ')}`,
    );
  });
});
