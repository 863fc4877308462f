// A graceful restart: SIGTERM writes a snapshot covering every journaled event, so the next start
// replays nothing, and serves the same orders, account and keys (old tokens included).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Order } from '../../api/orders';
import { storeSummary } from './fixtures/crash-journal';
import {
  allOrders,
  assertAcknowledgedPresent,
  assertBalancesMatchFills,
  loadUntilKilled,
  retryUnanswered,
  tradeAccounts,
} from './fixtures/crash-load';
import type { Key } from './harness';
import {
  accessToken,
  api,
  createKey,
  marketBuy,
  startSandboxProcess,
  stopAllSandboxes,
} from './harness';

after(() => stopAllSandboxes());

/** What a restart must keep: orders, fills, cash and holdings (not prices, which move). */
async function visibleState(url: string, token: string) {
  const account = await api<{
    account_id: string;
    balance: number;
    realized_pnl: number;
    positions: { symbol: string; quantity: number; avg_price: number }[];
  }>(url, token, 'GET', '/account');
  assert.equal(account.status, 200);
  return {
    account_id: account.body.account_id,
    balance: account.body.balance,
    realized_pnl: account.body.realized_pnl,
    positions: account.body.positions.map((p) => [p.symbol, p.quantity, p.avg_price]),
    orders: await allOrders(url, token),
    fills: (await api(url, token, 'GET', '/account/fills')).body,
  };
}

test('SIGTERM snapshots everything; the next start replays nothing and serves the same state', async () => {
  const first = await startSandboxProcess();
  const trade = await createKey(first, 'trade', 'new');
  const read: Key = await createKey(first, 'read', trade.account_id);
  const token = await accessToken(first.url, trade);
  const call = <T>(method: string, path: string, body?: unknown) =>
    api<T>(first.url, token, method, path, body);
  assert.equal((await call('POST', '/orders', marketBuy(3000))).status, 201);
  assert.equal((await call('POST', '/orders', { ...marketBuy(1000), action: 'sell' })).status, 201);
  const resting = await call<Order>('POST', '/orders', {
    ...marketBuy(1000),
    order_type: 'limit',
    limit_price: 0.5,
    client_order_id: 'stays-open',
  });
  const cancelled = await call<Order>('POST', '/orders', {
    ...marketBuy(1000),
    order_type: 'limit',
    limit_price: 0.6,
  });
  assert.equal((await call('DELETE', `/orders/${cancelled.body.id}`)).status, 200);
  const before = await visibleState(first.url, token);
  assert.equal(before.orders.length, 4);

  assert.equal(await first.stop('SIGTERM'), 0);
  const summary = storeSummary(first.dataDir);
  assert.ok(summary.lastLsn > 0, 'nothing was journaled');
  // The snapshot covers the last journaled event: a start has nothing to replay.
  assert.equal(summary.snapshotLsn, summary.lastLsn);

  const second = await startSandboxProcess({ dataDir: first.dataDir });
  assert.doesNotMatch(second.stderr(), /torn|damaged|fail/i);
  // The same access token still works (the signing key is in the data folder).
  assert.deepEqual(await visibleState(second.url, token), before);
  const byId = await api<Order>(second.url, token, 'GET', `/orders/${resting.body.id}`);
  assert.deepEqual(byId.body, resting.body);
  // The keys survive with their scopes: the trade key trades, the read key reads but cannot.
  const freshToken = await accessToken(second.url, trade);
  assert.equal((await api(second.url, freshToken, 'POST', '/orders', marketBuy())).status, 201);
  const readToken = await accessToken(second.url, read);
  assert.equal((await api(second.url, readToken, 'GET', '/account')).status, 200);
  assert.equal((await api(second.url, readToken, 'POST', '/orders', marketBuy())).status, 403);
  // A client_order_id used before the restart is still taken.
  const reused = await api(second.url, token, 'POST', '/orders', {
    ...marketBuy(1000),
    client_order_id: 'stays-open',
  });
  assert.equal(reused.status, 409);
  assert.equal(await second.stop('SIGTERM'), 0);
  const after = storeSummary(first.dataDir);
  assert.equal(after.snapshotLsn, after.lastLsn);
  assert.ok(after.lastLsn > summary.lastLsn);
});

test('SIGTERM in the middle of an order load: a prompt exit that keeps every acknowledged order', async () => {
  const args = ['--order-rate-limit', '100000'];
  const sandbox = await startSandboxProcess({ args });
  const accounts = await tradeAccounts(sandbox, 2);
  const stopping = Date.now();
  const outcome = await loadUntilKilled(sandbox, accounts, {
    tag: 'term',
    killAfter: 40,
    workers: 12,
    signal: 'SIGTERM',
  });
  // Keep-alive connections busy at the signal must not hold the exit for their 65 s timeout.
  assert.ok(Date.now() - stopping < 15_000, `shutdown took ${Date.now() - stopping} ms`);
  assert.equal(sandbox.child.exitCode, 0, sandbox.stderr());
  assert.deepEqual(
    outcome.refused.filter((r) => r.status !== 422),
    [],
  );
  const restarted = await startSandboxProcess({ dataDir: sandbox.dataDir, args });
  await assertAcknowledgedPresent(restarted.url, outcome.acked);
  await retryUnanswered(restarted.url, outcome.unanswered);
  for (const account of accounts) await assertBalancesMatchFills(restarted.url, account);
});
