import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Session } from '../../api/sessions';
import type { Order } from '../../api/orders';
import {
  accessToken,
  api,
  createKey,
  marketBuy,
  stopAllSandboxes,
  tradingSandbox,
} from './harness';
import type { Key } from './harness';
import { closeAllStreams, openStream } from './stream-harness';

after(() => {
  closeAllStreams();
  return stopAllSandboxes();
});

interface ErrorBody {
  error: { code: string; message: string; details: { path: string; message: string }[] };
}

describe('fault injection', () => {
  let url: string;
  let dataDir: string;
  let key: Key;
  let call: Awaited<ReturnType<typeof tradingSandbox>>['call'];

  before(async () => {
    const started = await tradingSandbox();
    ({ call, key } = started);
    url = started.sandbox.url;
    dataDir = started.sandbox.dataDir;
  });

  test('refuses bad fault settings, naming the fields', async () => {
    const answer = await call<ErrorBody>('PUT', '/sandbox/faults', {
      error_rate: 2,
      latency_ms: { min: 50, max: 10 },
      drop: true,
    });
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body.error.details.map((d) => d.path).sort(), [
      'drop',
      'error_rate',
      'latency_ms.max',
    ]);
    const stranger = await createKey({ dataDir }, 'trade', 'new');
    const other = await call<ErrorBody>('PUT', '/sandbox/faults', {
      key_id: stranger.key_id,
      error_rate: 1,
    });
    assert.equal(other.status, 404, "another account's key cannot be targeted");
  });

  test('503s and 429s for one key only, until cleared', async () => {
    const bystander = await createKey({ dataDir }, 'read');
    const bystanderToken = await accessToken(url, bystander);
    const set = await call('PUT', '/sandbox/faults', { error_rate: 1 });
    assert.equal(set.status, 200);
    const failed = await call<ErrorBody>('GET', '/account');
    assert.equal(failed.status, 503);
    assert.equal(failed.body.error.code, 'unavailable');
    assert.match(failed.body.error.message, /injected fault/);
    assert.equal((await api(url, bystanderToken, 'GET', '/account')).status, 200);

    await call('PUT', '/sandbox/faults', { rate_limit_rate: 1, retry_after_s: 2 });
    const limited = await call<ErrorBody>('POST', '/orders', { not: 'validated' });
    assert.equal(limited.status, 429, 'injected before validation, so nothing is changed');
    assert.equal(limited.headers.get('retry-after'), '2');

    const cleared = await call<{ faults: null }>('DELETE', '/sandbox/faults');
    assert.equal(cleared.body.faults, null);
    assert.equal((await call('GET', '/account')).status, 200);
  });

  test('the same seed gives the same faults in the same order', async () => {
    const statuses = async () => {
      await call('PUT', '/sandbox/faults', { error_rate: 0.5, seed: 7 });
      const seen: number[] = [];
      for (let index = 0; index < 24; index++) seen.push((await call('GET', '/account')).status);
      return seen;
    };
    const first = await statuses();
    assert.deepEqual(await statuses(), first);
    assert.ok(first.includes(200) && first.includes(503), first.join(','));
    await call('DELETE', '/sandbox/faults');
  });

  test('adds latency to answers', async () => {
    await call('PUT', '/sandbox/faults', { latency_ms: 250 });
    const started = performance.now();
    assert.equal((await call('GET', '/account')).status, 200);
    assert.ok(performance.now() - started >= 250, 'the answer waited at least the latency');
    await call('DELETE', '/sandbox/faults');
  });

  test('after commit: the order is placed, then its answer is a 503, a reset, or late', async () => {
    const placed = async (clientOrderId: string) => {
      const listed = await call<{ orders: Order[] }>('GET', '/orders?status=all&limit=500');
      return listed.body.orders.filter((order) => order.client_order_id === clientOrderId);
    };
    await call('PUT', '/sandbox/faults', { after_commit: { error_rate: 1 } });
    // Resting far below the market, so that it can be cancelled too.
    const order = (id: string) => ({
      ...marketBuy(1000),
      order_type: 'limit',
      limit_price: 0.5,
      client_order_id: id,
    });
    const failed = await call<ErrorBody>('POST', '/orders', order('after-503'), {
      'Idempotency-Key': 'key-after-503',
    });
    assert.equal(failed.status, 503);
    assert.match(failed.body.error.message, /took effect/);
    const [committed] = await placed('after-503');
    assert.ok(committed, 'the order was placed although the answer said 503');
    const cancelFailed = await call('DELETE', `/orders/${committed.id}`);
    assert.equal(cancelFailed.status, 503, 'a cancel is a change too');
    assert.equal((await placed('after-503'))[0]?.status, 'cancelled');

    await call('PUT', '/sandbox/faults', { after_commit: { reset_rate: 1 } });
    const reset = fetch(`${url}/orders`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await accessToken(url, key)}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': 'key-after-reset',
      },
      body: JSON.stringify(order('after-reset')),
    });
    await assert.rejects(reset, 'no answer at all');
    assert.equal((await placed('after-reset')).length, 1);

    await call('PUT', '/sandbox/faults', { after_commit: { delay_ms: 300 } });
    const started = performance.now();
    const late = await call('POST', '/orders', order('after-late'));
    assert.equal(late.status, 201);
    assert.ok(performance.now() - started >= 300, 'the answer was held back');

    // Settled with its own key, the request answers what happened, once.
    await call('DELETE', '/sandbox/faults');
    const settled = await call<Order>('POST', '/orders', order('after-503'), {
      'Idempotency-Key': 'key-after-503',
    });
    assert.equal(settled.status, 201);
    assert.equal(settled.headers.get('idempotent-replayed'), 'true');
    assert.equal(settled.body.id, committed.id);
    assert.equal((await placed('after-503')).length, 1);
  });

  test("drops the key's stream connections after the given time", async () => {
    await call('PUT', '/sandbox/faults', { stream_drop_after_ms: 200 });
    const token = await accessToken(url, key);
    const stream = await openStream(url, token);
    const closed = await stream.closed;
    assert.equal(closed.code, 1012);
    await call('DELETE', '/sandbox/faults');
  });

  test("a session's faults apply to every request on its URL, not the sandbox's", async () => {
    const created = await call<Session>('POST', '/sandbox/sessions', {
      symbols: ['EURUSD'],
      from: Date.UTC(2024, 2, 6, 12),
      to: Date.UTC(2024, 2, 6, 13),
      faults: { error_rate: 1 },
    });
    assert.equal(created.status, 201);
    const token = await accessToken(created.body.base_url, key);
    assert.equal((await api(created.body.base_url, token, 'GET', '/account')).status, 503);
    assert.equal((await call('GET', '/account')).status, 200);
  });
});
