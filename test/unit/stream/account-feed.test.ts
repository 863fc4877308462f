import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { OrderRequest } from '../../../api/orders';
import { createMarketView } from '../../../sandbox/market/market-view';
import { Sandbox, defaultAccountId } from '../../../sandbox/service/sandbox';
import type { SandboxEvent, SandboxState } from '../../../sandbox/service/state';
import {
  applySandboxEvent,
  createSandboxState,
  deserializeSandboxState,
  serializeSandboxState,
} from '../../../sandbox/service/state';
import { openStore } from '../../../sandbox/store/store';
import type { Store } from '../../../sandbox/store/store';
import type { FeedEntry } from '../../../sandbox/stream/account-entries';
import { AccountFeed } from '../../../sandbox/stream/account-feed';
import { readChannelHistory } from '../../../sandbox/stream/history';
import { tempDir } from '../store/temp-dir';

const market = createMarketView();
/** Wednesday 2024-03-06 12:00 UTC: every market open. */
const t0 = Date.UTC(2024, 2, 6, 12);

function openSandboxStore(dir: string, snapshotEvery = 0) {
  return openStore<SandboxState, SandboxEvent>({
    dir,
    initialState: createSandboxState,
    apply: applySandboxEvent,
    serialize: serializeSandboxState,
    deserialize: deserializeSandboxState,
    durability: 'none',
    snapshotEvery,
  });
}

/** A sandbox on a store in a temp folder, its feed tapped in, and a clock the test moves. */
async function setUp(t: TestContext, options: { snapshotEvery?: number; ringSize?: number } = {}) {
  const dir = tempDir(t, 'tbm-stream-');
  const store = await openSandboxStore(dir, options.snapshotEvery);
  t.after(() => store.close());
  const clock = { at: t0, now: () => clock.at };
  const sandbox = new Sandbox(store, market, clock);
  const feed = newFeed(dir, store, options.ringSize);
  await sandbox.ensureDefaultAccount(clock.now());
  return { dir, store, sandbox, clock, feed };
}

function newFeed(dir: string, store: Store<SandboxState, SandboxEvent>, ringSize?: number) {
  const feed = new AccountFeed({
    market,
    ...(ringSize !== undefined && { ringSize }),
    history: (accountId, channel, sinceSeq) =>
      readChannelHistory(dir, market, accountId, channel, sinceSeq),
  });
  store.state.onApplied = feed.onApplied;
  return feed;
}

const order = (fields: Record<string, unknown>) =>
  OrderRequest.parse({
    symbol: 'EURUSD',
    action: 'buy',
    quantity: 1000,
    order_type: 'market',
    time_in_force: 'gtc',
    ...fields,
  });

/** A morning's trading: fills, a resting limit cancelled, a reset, more fills. */
async function trade(sandbox: Sandbox, clock: { at: number }, rounds = 1) {
  for (let round = 0; round < rounds; round++) {
    for (const quantity of [1000, 2000]) {
      clock.at += 1_000;
      await sandbox.placeOrder(defaultAccountId, order({ quantity }), undefined, 'r', clock.at);
    }
    clock.at += 1_000;
    const resting = await sandbox.placeOrder(
      defaultAccountId,
      order({ order_type: 'limit', limit_price: 0.5 }),
      undefined,
      'r',
      clock.at,
    );
    const { id } = JSON.parse(resting.body) as { id: string };
    await sandbox.cancelOrder(defaultAccountId, id, clock.at);
    clock.at += 1_000;
    await sandbox.resetAccount(defaultAccountId, clock.at);
    await sandbox.placeOrder(defaultAccountId, order({ action: 'sell' }), undefined, 'r', clock.at);
  }
}

const seqsOf = (entries: FeedEntry[], channel: string) =>
  entries.filter((entry) => entry.channel === channel).map((entry) => entry.seq);

describe('the orders and account feed', () => {
  test('each channel numbers its messages 1, 2, 3 ... with no gap, resets included', async (t) => {
    const { sandbox, clock, feed, store } = await setUp(t);
    const live: FeedEntry[] = [];
    feed.listen(defaultAccountId, (entry) => live.push(entry));
    await trade(sandbox, clock);
    const orders = seqsOf(live, 'orders');
    // accepted+fill twice, accepted+cancelled, accepted+fill after the reset.
    assert.deepEqual(orders, [1, 2, 3, 4, 5, 6, 7, 8]);
    // opened (1, before listening), two fills, the reset, one fill.
    assert.deepEqual(seqsOf(live, 'account'), [2, 3, 4, 5]);
    assert.deepEqual(feed.current(store.state, defaultAccountId), { orders: 8, account: 5 });
    const types = live
      .filter((e) => e.channel === 'orders')
      .map((e) => (JSON.parse(e.text) as { type: string }).type);
    assert.deepEqual(types, [
      'accepted',
      'fill',
      'accepted',
      'fill',
      'accepted',
      'cancelled',
      'accepted',
      'fill',
    ]);
    const reset = JSON.parse(live.filter((e) => e.channel === 'account')[2].text) as {
      data: { balance: number; positions: unknown[] };
    };
    assert.equal(reset.data.balance, 100_000);
    assert.deepEqual(reset.data.positions, []);
  });

  test('an account first streamed mid-way continues the same numbering', async (t) => {
    const { sandbox, clock, feed, store } = await setUp(t);
    // Counted once before anyone streams, then traded unrendered.
    assert.deepEqual(feed.current(store.state, defaultAccountId), { orders: 0, account: 1 });
    await trade(sandbox, clock);
    const live: FeedEntry[] = [];
    feed.listen(defaultAccountId, (entry) => live.push(entry));
    await trade(sandbox, clock);
    assert.deepEqual(seqsOf(live, 'orders'), [9, 10, 11, 12, 13, 14, 15, 16]);
    assert.deepEqual(seqsOf(live, 'account'), [6, 7, 8, 9]);
    const backlog = await feed.backlog(defaultAccountId, 'orders', 3, 16);
    assert.ok(backlog.ok);
    assert.deepEqual(
      backlog.entries.map((entry) => entry.seq),
      Array.from({ length: 13 }, (_, index) => index + 4),
    );
  });

  test('messages rebuilt from the store equal those sent live, also after a reopen', async (t) => {
    const { dir, sandbox, clock, feed, store } = await setUp(t);
    const live: FeedEntry[] = [];
    feed.listen(defaultAccountId, (entry) => live.push(entry));
    await trade(sandbox, clock, 2);
    for (const channel of ['orders', 'account'] as const) {
      const rebuilt = await readChannelHistory(dir, market, defaultAccountId, channel, 1);
      assert.ok(rebuilt.ok);
      assert.deepEqual(
        rebuilt.entries.map((entry) => entry.text),
        live
          .filter((entry) => entry.channel === channel && entry.seq > 1)
          .map((entry) => entry.text),
      );
    }
    await store.close();
    const reopened = await openSandboxStore(dir);
    t.after(() => reopened.close());
    const fresh = newFeed(dir, reopened);
    const current = fresh.current(reopened.state, defaultAccountId);
    const backlog = await fresh.backlog(defaultAccountId, 'orders', 5, current.orders);
    assert.ok(backlog.ok);
    assert.deepEqual(
      backlog.entries.map((entry) => entry.text),
      live
        .filter((entry) => entry.channel === 'orders' && entry.seq > 5)
        .map((entry) => entry.text),
    );
  });

  test('a resume within the ring is served from memory; past it, from the store', async (t) => {
    const { dir, sandbox, clock, feed, store } = await setUp(t, { ringSize: 4 });
    const live: FeedEntry[] = [];
    feed.listen(defaultAccountId, (entry) => live.push(entry));
    await trade(sandbox, clock, 2);
    const current = feed.current(store.state, defaultAccountId);
    const recent = await feed.backlog(
      defaultAccountId,
      'orders',
      current.orders - 1,
      current.orders,
    );
    assert.ok(recent.ok);
    assert.deepEqual(
      recent.entries.map((e) => e.seq),
      [current.orders],
    );
    const all = await feed.backlog(defaultAccountId, 'orders', 0, current.orders);
    assert.ok(all.ok);
    assert.deepEqual(
      all.entries.map((e) => e.seq),
      Array.from({ length: current.orders }, (_, i) => i + 1),
    );
    assert.deepEqual(
      all.entries.map((e) => e.text),
      live.filter((e) => e.channel === 'orders').map((e) => e.text),
    );
    const ahead = await feed.backlog(
      defaultAccountId,
      'orders',
      current.orders + 1,
      current.orders,
    );
    assert.ok(!ahead.ok && /ahead of this account's latest orders seq/.test(ahead.message));
    assert.ok(dir.length > 0);
  });

  test('events no longer in the store are refused, naming the oldest seq available', async (t) => {
    // A snapshot after every record: old journal segments are deleted as snapshots pile up.
    const { sandbox, clock, feed, store } = await setUp(t, { snapshotEvery: 1, ringSize: 2 });
    for (let round = 0; round < 4; round++) {
      await trade(sandbox, clock);
      await store.snapshot();
    }
    const current = feed.current(store.state, defaultAccountId);
    const gone = await feed.backlog(defaultAccountId, 'orders', 0, current.orders);
    assert.ok(!gone.ok);
    assert.equal(gone.code, 'not_found');
    const oldest = Number(/the oldest available is seq (\d+)/.exec(gone.message)?.[1]);
    assert.ok(oldest > 1 && oldest <= current.orders, gone.message);
    const kept = await feed.backlog(defaultAccountId, 'orders', oldest - 1, current.orders);
    assert.ok(kept.ok, kept.ok ? '' : kept.message);
    assert.deepEqual(
      kept.entries.map((e) => e.seq),
      Array.from({ length: current.orders - oldest + 1 }, (_, i) => oldest + i),
    );
  });
});
