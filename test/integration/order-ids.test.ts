// Order and fill ids over HTTP (security issue 21): they do not show how many orders other
// accounts placed, they stay the same through restarts from the journal and from a snapshot,
// and a data folder from before keyed ids keeps its old ids while new ones are keyed, with
// cursors paging across the two, oldest first.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CreateKeyRequest } from '../../api/admin';
import type { Order } from '../../api/orders';
import { OrderRequest } from '../../api/orders';
import { clockStartingAt, parseInstant } from '../../sandbox/service/clock';
import { dataFiles } from '../../sandbox/service/data-dir';
import { createMarketView } from '../../sandbox/market/market-view';
import { Sandbox } from '../../sandbox/service/sandbox';
import type { SandboxEvent, SandboxState } from '../../sandbox/service/state';
import {
  applySandboxEvent,
  createSandboxState,
  deserializeSandboxState,
  serializeSandboxState,
} from '../../sandbox/service/state';
import { openStore } from '../../sandbox/store/store';
import { storeSummary } from './fixtures/crash-journal';
import type { Key } from './harness';
import {
  accessToken,
  api,
  createKey,
  marketBuy,
  startSandboxProcess,
  stopAllSandboxes,
  weekdayNoon,
} from './harness';

after(() => stopAllSandboxes());

interface ErrorBody {
  error: { code: string; details: { path: string }[] };
}

const keyedOrderId = /^ord_[0-9a-z]{11}$/;
const keyedFillId = /^fil_[0-9a-z]{11}$/;
/** The digits of an id read as the base-36 number they spell, as a curious client would. */
const spelled = (id: string) => Number.parseInt(id.slice(4), 36);
const sell = (quantity = 1000) => ({ ...marketBuy(quantity), action: 'sell' });
const restingBuy = (limitPrice: number) => ({
  ...marketBuy(1000),
  order_type: 'limit',
  limit_price: limitPrice,
});

test('ids do not tell an account how many orders other accounts placed in between', async () => {
  const sandbox = await startSandboxProcess();
  const [mine, theirs] = await Promise.all([
    createKey(sandbox, 'trade', 'new'),
    createKey(sandbox, 'trade', 'new'),
  ]);
  const [myToken, theirToken] = await Promise.all([
    accessToken(sandbox.url, mine),
    accessToken(sandbox.url, theirs),
  ]);
  const place = async (token: string, body: unknown) => {
    const answer = await api<Order>(sandbox.url, token, 'POST', '/orders', body);
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    return answer.body;
  };
  const mineIds: string[] = [];
  const mineFillIds: string[] = [];
  const between: number[] = [];
  for (let trial = 0; trial < 25; trial++) {
    const order = await place(myToken, trial % 2 === 0 ? marketBuy() : sell());
    assert.equal(order.fills.length, 1);
    mineIds.push(order.id);
    mineFillIds.push(order.fills[0].id);
    const others = trial % 4;
    for (let index = 0; index < others; index++) {
      await place(theirToken, index % 2 === 0 ? marketBuy() : sell());
    }
    between.push(others);
  }
  for (const ids of [mineIds, mineFillIds]) {
    let rising = 0;
    for (let index = 1; index < ids.length; index++) {
      const gap = spelled(ids[index]) - spelled(ids[index - 1]);
      assert.notEqual(gap, between[index - 1] + 1, `${ids[index - 1]} then ${ids[index]}`);
      if (gap > 0) rising++;
    }
    // Random values rise about half the time from one to the next; a counter always does.
    assert.ok(rising > 2 && rising < 22, `rose ${rising} times of 24`);
  }
  for (const id of mineIds) assert.match(id, keyedOrderId);
  for (const id of mineFillIds) assert.match(id, keyedFillId);
  // Lists still come oldest first.
  const listed = await api<{ orders: Order[] }>(
    sandbox.url,
    myToken,
    'GET',
    '/orders?status=all&limit=500',
  );
  assert.deepEqual(
    listed.body.orders.map((order) => order.id),
    mineIds,
  );
});

/**
 * A data folder as sandboxes before keyed ids left it: the same events, with identity ids and
 * no key event. Built in this process through the store, as those sandboxes wrote it.
 */
async function oldDataFolder() {
  const dataDir = mkdtempSync(join(tmpdir(), 'tbm-test-'));
  const store = await openStore<SandboxState, SandboxEvent>({
    dir: join(dataDir, dataFiles.store),
    initialState: createSandboxState,
    apply: applySandboxEvent,
    serialize: serializeSandboxState,
    deserialize: deserializeSandboxState,
    durability: 'none',
    snapshotOnClose: false,
  });
  const clock = clockStartingAt(parseInstant(weekdayNoon));
  const sandbox = new Sandbox(store, createMarketView(), clock);
  const created = await sandbox.createKey(
    CreateKeyRequest.parse({ scope: 'trade', account: 'new' }),
    clock.now(),
  );
  const key: Key = { ...created, scope: 'trade' };
  const bodies = [marketBuy(), sell(), restingBuy(0.5), marketBuy(), restingBuy(0.6)];
  const orders: Order[] = [];
  for (const [index, body] of bodies.entries()) {
    const answer = await sandbox.placeOrder(
      key.account_id,
      OrderRequest.parse(body),
      undefined,
      `req_old_${index}`,
      clock.now(),
    );
    assert.equal(answer.status, 201, answer.body);
    orders.push(JSON.parse(answer.body) as Order);
  }
  await store.close();
  return { dataDir, key, orders };
}

test('a folder from before keyed ids keeps its ids; new ones are keyed; cursors page across', async () => {
  const old = await oldDataFolder();
  const oldIds = old.orders.map((order) => order.id);
  const oldFillIds = old.orders.flatMap((order) => order.fills.map((fill) => fill.id));
  assert.deepEqual(
    oldIds,
    [1, 2, 3, 4, 5].map((n) => `ord_000000000${n}`),
  );
  assert.deepEqual(oldFillIds, ['fil_0000000001', 'fil_0000000002', 'fil_0000000003']);

  let sandbox = await startSandboxProcess({ dataDir: old.dataDir });
  const token = await accessToken(sandbox.url, old.key);
  let call = <T>(method: string, path: string, body?: unknown) =>
    api<T>(sandbox.url, token, method, path, body);
  for (const order of old.orders) {
    const read = await call<Order>('GET', `/orders/${order.id}`);
    assert.equal(read.status, 200, order.id);
    assert.deepEqual(read.body, order);
  }
  // The old resting order at 0.6 is cancelled by its old id; the one at 0.5 stays open.
  assert.equal((await call('DELETE', `/orders/${oldIds[4]}`)).status, 200);

  const newOrders: Order[] = [];
  for (const body of [marketBuy(), restingBuy(0.55), sell(), marketBuy(2000)]) {
    const answer = await call<Order>('POST', '/orders', body);
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.match(answer.body.id, keyedOrderId);
    for (const fill of answer.body.fills) assert.match(fill.id, keyedFillId);
    newOrders.push(answer.body);
  }
  const allIds = [...oldIds, ...newOrders.map((order) => order.id)];
  const allFillIds = [
    ...oldFillIds,
    ...newOrders.flatMap((order) => order.fills.map((fill) => fill.id)),
  ];
  const openIds = [oldIds[2], newOrders[1].id];
  assert.equal(new Set(allIds).size, allIds.length);

  /** Every page of a listing at this page size, flattened; checks each page's size. */
  async function paged(path: string, field: 'orders' | 'fills', limit: number) {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page: { status: number; body: Record<string, unknown> } = await call(
        'GET',
        `${path}limit=${limit}${query}`,
      );
      assert.equal(page.status, 200, JSON.stringify(page.body));
      const items = page.body[field] as { id: string }[];
      cursor = page.body.next_cursor as string | null;
      assert.ok(items.length === limit || (cursor === null && items.length <= limit));
      seen.push(...items.map((item) => item.id));
      assert.ok(seen.length <= 100, 'paging must end');
    } while (cursor !== null);
    return seen;
  }
  async function assertListings(label: string) {
    for (const limit of [1, 2, 3, 500]) {
      assert.deepEqual(await paged('/orders?status=all&', 'orders', limit), allIds, label);
      assert.deepEqual(await paged('/account/fills?', 'fills', limit), allFillIds, label);
    }
    assert.deepEqual(await paged('/orders?status=open&', 'orders', 1), openIds, label);
    for (const id of [...allIds]) {
      assert.equal((await call('GET', `/orders/${id}`)).status, 200, `${label}: ${id}`);
    }
  }
  await assertListings('after the upgrade');

  // A cursor naming no order of this sandbox is refused, not read as "from the start".
  const forged = (a: string) =>
    Buffer.from(JSON.stringify({ k: 'orders', a })).toString('base64url');
  // Past 2^52; an old-style id past the orders the key found; a fill's id; no id at all.
  for (const a of ['ord_zzzzzzzzzzz', 'ord_0000000009', oldFillIds[0], 'nonsense']) {
    const answer = await call<ErrorBody>('GET', `/orders?status=all&cursor=${forged(a)}`);
    assert.equal(answer.status, 400, a);
    assert.deepEqual(
      answer.body.error.details.map((detail) => detail.path),
      ['cursor'],
    );
  }

  // Killed: the restart replays the journal, key event included.
  await sandbox.stop('SIGKILL');
  sandbox = await startSandboxProcess({ dataDir: old.dataDir });
  call = (method, path, body) => api(sandbox.url, token, method, path, body);
  await assertListings('after a replay of the journal');

  // Stopped: the restart reads the snapshot, which carries the key, and replays nothing.
  assert.equal(await sandbox.stop('SIGTERM'), 0);
  const summary = storeSummary(old.dataDir);
  assert.equal(summary.snapshotLsn, summary.lastLsn);
  sandbox = await startSandboxProcess({ dataDir: old.dataDir });
  call = (method, path, body) => api(sandbox.url, token, method, path, body);
  await assertListings('after a restart from the snapshot');
  const later = await call<Order>('POST', '/orders', sell(2000));
  assert.equal(later.status, 201);
  assert.match(later.body.id, keyedOrderId);
  assert.ok(!allIds.includes(later.body.id));
  allIds.push(later.body.id);
  allFillIds.push(...later.body.fills.map((fill) => fill.id));
  await assertListings('after an order past the snapshot');
});
