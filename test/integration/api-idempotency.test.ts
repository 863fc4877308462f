import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Answer, SandboxProcess } from './harness';
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

interface OrderBody {
  id: string;
  status: string;
  client_order_id: string | null;
}
interface ErrorBody {
  error: { code: string; details: { path: string; reason?: string }[]; request_id: string };
}

const replayed = (answer: Answer) => answer.headers.get('idempotent-replayed');
const resting = (extra: Record<string, unknown> = {}) => ({
  ...marketBuy(1000),
  order_type: 'limit',
  limit_price: 0.5,
  ...extra,
});

async function orderCount(url: string, token: string): Promise<number> {
  const list = await api<{ orders: unknown[]; next_cursor: string | null }>(
    url,
    token,
    'GET',
    '/orders?status=all&limit=500',
  );
  assert.equal(list.body.next_cursor, null);
  return list.body.orders.length;
}

/** Stops a sandbox and starts another on its data folder, its clock where the first one's was. */
async function restart(sandbox: SandboxProcess, signal: NodeJS.Signals): Promise<SandboxProcess> {
  const health = await api<{ now: number }>(sandbox.url, null, 'GET', '/health');
  await sandbox.stop(signal);
  return startSandboxProcess({ dataDir: sandbox.dataDir, now: String(health.body.now) });
}

/** What a restart must keep: orders, fills, balance and positions (not their market value). */
async function durableView(url: string, token: string) {
  const orders = await api(url, token, 'GET', '/orders?status=all&limit=500');
  const fills = await api(url, token, 'GET', '/account/fills');
  const account = await api<{
    balance: number;
    realized_pnl: number;
    positions: { symbol: string; quantity: number; avg_price: number }[];
  }>(url, token, 'GET', '/account');
  return {
    orders: orders.body,
    fills: fills.body,
    balance: account.body.balance,
    realized: account.body.realized_pnl,
    positions: account.body.positions.map((p) => [p.symbol, p.quantity, p.avg_price]),
  };
}

describe('Idempotency-Key on POST /orders', () => {
  let url: string;
  let token: string;
  const post = (body: unknown, key?: string) =>
    api<OrderBody & ErrorBody>(
      url,
      token,
      'POST',
      '/orders',
      body,
      key === undefined ? {} : { 'Idempotency-Key': key },
    );

  before(async () => {
    const setup = await tradingSandbox();
    url = setup.sandbox.url;
    token = setup.token;
  });

  test('the same key and body replays status and body, and places one order', async () => {
    const before = await orderCount(url, token);
    const first = await post(marketBuy(1000), 'same-1');
    assert.equal(first.status, 201);
    assert.equal(first.body.status, 'filled');
    assert.equal(replayed(first), null);
    // The same JSON value with other key order and spacing is the same body.
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(marketBuy(1000)).reverse()));
    for (const body of [marketBuy(1000), ` ${reordered}\n`]) {
      const again = await post(body, 'same-1');
      assert.equal(again.status, 201);
      assert.equal(replayed(again), 'true');
      assert.deepEqual(again.body, first.body);
    }
    assert.equal(await orderCount(url, token), before + 1);
    const account = await api<{ positions: { quantity: number }[] }>(url, token, 'GET', '/account');
    assert.deepEqual(
      account.body.positions.map((p) => p.quantity),
      [1000],
    );
  });

  test('the same key with another body is 409 and places nothing', async () => {
    assert.equal((await post(resting(), 'diff-1')).status, 201);
    const before = await orderCount(url, token);
    for (const body of [resting({ quantity: 2000 }), resting({ client_order_id: 'x' })]) {
      const answer = await post(body, 'diff-1');
      assert.equal(answer.status, 409);
      assert.equal(answer.body.error.code, 'conflict');
      assert.equal(answer.body.error.details[0]?.path, 'Idempotency-Key');
      assert.equal(replayed(answer), null);
    }
    assert.equal(await orderCount(url, token), before);
  });

  test('20 concurrent requests with one key place one order and answer identically', async () => {
    const before = await orderCount(url, token);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => post(resting({ client_order_id: 'burst' }), 'burst-1')),
    );
    for (const answer of answers) {
      assert.equal(answer.status, 201);
      assert.deepEqual(answer.body, answers[0]?.body);
    }
    assert.equal(answers.filter((a) => replayed(a) === null).length, 1, 'one original answer');
    assert.equal(answers.filter((a) => replayed(a) === 'true').length, 19);
    assert.equal(await orderCount(url, token), before + 1);
  });

  test('a 422 answered under a key is replayed as the same 422', async () => {
    const unplaceable = { ...marketBuy(1000), quantity: 1000.5 };
    const first = await post(unplaceable, 'refused-1');
    assert.equal(first.status, 422);
    assert.equal(first.body.error.details[0]?.reason, 'invalid_quantity');
    const again = await post(unplaceable, 'refused-1');
    assert.equal(again.status, 422);
    assert.equal(replayed(again), 'true');
    assert.deepEqual(again.body, first.body, 'the same body, request_id included');
    // The key is spent on that body: another body under it conflicts.
    assert.equal((await post(marketBuy(1000), 'refused-1')).status, 409);
  });

  test('a request refused as invalid (400) does not spend its key', async () => {
    const invalid = await post({ ...marketBuy(1000), quantity: -1 }, 'invalid-1');
    assert.equal(invalid.status, 400);
    const valid = await post(resting(), 'invalid-1');
    assert.equal(valid.status, 201);
    assert.equal(replayed(valid), null);
  });

  test('Idempotency-Key is 1 to 64 characters; longer is 400 and places nothing', async () => {
    const before = await orderCount(url, token);
    const long = await post(resting(), 'k'.repeat(65));
    assert.equal(long.status, 400);
    assert.equal(long.body.error.code, 'invalid_request');
    assert.equal(long.body.error.details[0]?.path, 'Idempotency-Key');
    assert.equal(await orderCount(url, token), before);
    const longest = await post(resting(), 'k'.repeat(64));
    assert.equal(longest.status, 201);
    assert.equal(replayed(await post(resting(), 'k'.repeat(64))), 'true');
  });
});

test('keys are per account: two accounts use one key independently', async () => {
  const sandbox = await startSandboxProcess();
  const [first, second] = await Promise.all([
    createKey(sandbox, 'trade', 'new'),
    createKey(sandbox, 'trade', 'new'),
  ]);
  assert.notEqual(first.account_id, second.account_id);
  const [firstToken, secondToken] = await Promise.all([
    accessToken(sandbox.url, first),
    accessToken(sandbox.url, second),
  ]);
  const headers = { 'Idempotency-Key': 'shared-key' };
  const a = await api<OrderBody>(sandbox.url, firstToken, 'POST', '/orders', resting(), headers);
  const b = await api<OrderBody>(
    sandbox.url,
    secondToken,
    'POST',
    '/orders',
    resting({ quantity: 3000 }),
    headers,
  );
  assert.equal(a.status, 201);
  assert.equal(b.status, 201, 'another account’s key of the same name is no conflict');
  assert.equal(replayed(b), null);
  assert.notEqual(a.body.id, b.body.id);
  assert.equal(await orderCount(sandbox.url, firstToken), 1);
  assert.equal(await orderCount(sandbox.url, secondToken), 1);
  // Each account replays its own answer.
  const againA = await api(sandbox.url, firstToken, 'POST', '/orders', resting(), headers);
  assert.deepEqual(againA.body, a.body);
  // A second key on the first account shares the account's idempotency keys.
  const sibling = await createKey(sandbox, 'trade', first.account_id);
  const siblingToken = await accessToken(sandbox.url, sibling);
  const fromSibling = await api(sandbox.url, siblingToken, 'POST', '/orders', resting(), headers);
  assert.equal(replayed(fromSibling), 'true');
  assert.deepEqual(fromSibling.body, a.body);
});

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  test(`a replay survives a ${signal} restart`, async () => {
    const { sandbox, token } = await tradingSandbox();
    const headers = { 'Idempotency-Key': `restart-${signal}` };
    const filled = await api<OrderBody>(
      sandbox.url,
      token,
      'POST',
      '/orders',
      marketBuy(2000),
      headers,
    );
    assert.equal(filled.status, 201);
    const refusedHeaders = { 'Idempotency-Key': `restart-422-${signal}` };
    const refused = await api(
      sandbox.url,
      token,
      'POST',
      '/orders',
      { ...marketBuy(1000), symbol: 'NOSUCH' },
      refusedHeaders,
    );
    assert.equal(refused.status, 422);
    // Around them, orders in other states: resting, cancelled, filled with armed exits.
    const call = (url: string, method: string, path: string, body?: unknown) =>
      api(url, token, method, path, body);
    await call(sandbox.url, 'POST', '/orders', resting({ client_order_id: 'keeps-resting' }));
    const cancelled = await call(sandbox.url, 'POST', '/orders', resting());
    await call(sandbox.url, 'DELETE', `/orders/${(cancelled.body as OrderBody).id}`);
    await call(sandbox.url, 'POST', '/orders', marketBuy(1, { symbol: 'XAUUSD', stop_loss: 100 }));
    const before = await durableView(sandbox.url, token);

    const second = await restart(sandbox, signal);
    assert.deepEqual(await durableView(second.url, token), before, 'the state survives');
    const again = await api(second.url, token, 'POST', '/orders', marketBuy(2000), headers);
    assert.equal(again.status, 201);
    assert.equal(replayed(again), 'true');
    assert.deepEqual(again.body, filled.body);
    const againRefused = await api(
      second.url,
      token,
      'POST',
      '/orders',
      { ...marketBuy(1000), symbol: 'NOSUCH' },
      refusedHeaders,
    );
    assert.equal(againRefused.status, 422);
    assert.deepEqual(againRefused.body, refused.body);
    const conflict = await api(second.url, token, 'POST', '/orders', marketBuy(3000), headers);
    assert.equal(conflict.status, 409);
    assert.equal(await orderCount(second.url, token), 4);
  });
}
