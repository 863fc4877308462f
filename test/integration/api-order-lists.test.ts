import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Key, SandboxProcess } from './harness';
import {
  accessToken,
  api,
  createKey,
  marketBuy,
  startSandboxProcess,
  stopAllSandboxes,
} from './harness';

after(() => stopAllSandboxes());

interface OrderBody {
  id: string;
  symbol: string;
  status: string;
  client_order_id: string | null;
}
interface OrderPage {
  orders: OrderBody[];
  next_cursor: string | null;
}
interface CancelResults {
  results: { id: string; status: number; order_status?: string; error?: { code: string } }[];
}
interface ErrorBody {
  error: { code: string; details: { path: string }[] };
}

/** A buy limit far below the market: it rests until cancelled. */
const restingBuy = (symbol = 'EURUSD', clientOrderId?: string) => ({
  symbol,
  action: 'buy',
  quantity: symbol === 'EURUSD' || symbol === 'GBPUSD' ? 1000 : 1,
  order_type: 'limit',
  limit_price: symbol === 'XAUUSD' ? 100 : 0.5,
  time_in_force: 'gtc',
  ...(clientOrderId !== undefined && { client_order_id: clientOrderId }),
});

describe('listing, cancelling and resetting', () => {
  let sandbox: SandboxProcess;
  let trader: Key;
  let stranger: Key;
  let token: string;
  let strangerToken: string;
  const call = <T>(method: string, path: string, body?: unknown) =>
    api<T>(sandbox.url, token, method, path, body);

  before(async () => {
    sandbox = await startSandboxProcess();
    [trader, stranger] = await Promise.all([
      createKey(sandbox, 'trade', 'new'),
      createKey(sandbox, 'trade', 'new'),
    ]);
    [token, strangerToken] = await Promise.all([
      accessToken(sandbox.url, trader),
      accessToken(sandbox.url, stranger),
    ]);
  });

  async function place(body: unknown): Promise<OrderBody> {
    const answer = await call<OrderBody>('POST', '/orders', body);
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    return answer.body;
  }

  async function pages(query: string, limit: number): Promise<OrderBody[][]> {
    const seen: OrderBody[][] = [];
    let cursor: string | null = null;
    do {
      const suffix: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page: { status: number; body: OrderPage } = await call<OrderPage>(
        'GET',
        `/orders?${query}&limit=${limit}${suffix}`,
      );
      assert.equal(page.status, 200);
      seen.push(page.body.orders);
      cursor = page.body.next_cursor;
      assert.ok(seen.length < 50, 'paging must end');
    } while (cursor !== null);
    return seen;
  }

  test('seven resting orders page 3, 3, 1, oldest first, each once', async () => {
    const placed: OrderBody[] = [];
    for (let n = 0; n < 7; n++) placed.push(await place(restingBuy('EURUSD', `page-${n}`)));
    const seen = await pages('status=open', 3);
    assert.deepEqual(
      seen.map((page) => page.length),
      [3, 3, 1],
    );
    assert.deepEqual(
      seen.flat().map((o) => o.id),
      placed.map((o) => o.id),
    );
    // A page size that divides the count ends with next_cursor null, not an empty page.
    const exact = await pages('status=open', 7);
    assert.deepEqual(
      exact.map((page) => page.length),
      [7],
    );
    assert.equal((await pages('status=open', 500)).flat().length, 7);
  });

  test('a bogus or foreign cursor is 400 naming cursor', async () => {
    const fills = await api<{ fills: unknown[]; next_cursor: string | null }>(
      sandbox.url,
      token,
      'GET',
      '/account/fills',
    );
    assert.equal(fills.status, 200);
    const foreignCursor = Buffer.from(JSON.stringify({ k: 'fills', a: 'fil_1' })).toString(
      'base64url',
    );
    // Well formed, but naming no order this sandbox gave out: refused, not read as the start.
    const noOrderCursor = Buffer.from(JSON.stringify({ k: 'orders', a: 'ord_nope' })).toString(
      'base64url',
    );
    for (const cursor of ['bogus', 'eyJrIjoib3JkZXJzIn0', foreignCursor, noOrderCursor]) {
      const answer = await call<ErrorBody>('GET', `/orders?status=all&cursor=${cursor}`);
      assert.equal(answer.status, 400, cursor);
      assert.equal(answer.body.error.code, 'invalid_request');
      assert.deepEqual(
        answer.body.error.details.map((d) => d.path),
        ['cursor'],
      );
    }
    const badLimit = await call<ErrorBody>('GET', '/orders?limit=0');
    assert.equal(badLimit.status, 400);
    assert.deepEqual(
      badLimit.body.error.details.map((d) => d.path),
      ['limit'],
    );
  });

  test('status and symbol filters', async () => {
    const gold = await place(restingBuy('XAUUSD', 'filter-gold'));
    const filled = await place({ ...marketBuy(1000), client_order_id: 'filter-filled' });
    assert.equal(filled.status, 'filled');
    const cancelled = await place(restingBuy('GBPUSD', 'filter-cancelled'));
    assert.equal((await call('DELETE', `/orders/${cancelled.id}`)).status, 200);

    const ids = async (query: string) =>
      (await pages(query, 100)).flat().map((o) => o.client_order_id);
    const open = await ids('status=open');
    assert.ok(open.includes('filter-gold'));
    assert.ok(!open.includes('filter-filled') && !open.includes('filter-cancelled'));
    assert.deepEqual(await ids('status=filled'), ['filter-filled']);
    assert.deepEqual(await ids('status=cancelled'), ['filter-cancelled']);
    const all = await ids('status=all');
    for (const id of ['filter-gold', 'filter-filled', 'filter-cancelled', 'page-0'])
      assert.ok(all.includes(id), id);
    assert.deepEqual(await ids('status=all&symbol=XAUUSD'), ['filter-gold']);
    assert.deepEqual(await ids('status=open&symbol=GBPUSD'), []);
    // The default is open orders.
    const byDefault = await call<OrderPage>('GET', '/orders');
    assert.deepEqual(
      byDefault.body.orders.map((o) => o.client_order_id),
      open,
    );
    const invalid = await call<ErrorBody>('GET', '/orders?status=finished');
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.error.details[0]?.path, 'status');
    assert.equal((await call('GET', `/orders/${gold.id}`)).status, 200);
  });

  test('another account’s orders are 404 to read and to cancel, and stay untouched', async () => {
    const mine = await place(restingBuy('EURUSD', 'private'));
    const theirs = (path: string, method = 'GET') => api(sandbox.url, strangerToken, method, path);
    assert.equal((await theirs(`/orders/${mine.id}`)).status, 404);
    assert.equal((await theirs(`/orders/${mine.id}`, 'DELETE')).status, 404);
    const batch = await api<CancelResults>(sandbox.url, strangerToken, 'POST', '/orders/cancel', {
      ids: [mine.id],
    });
    assert.equal(batch.status, 207);
    assert.equal(batch.body.results[0]?.status, 404);
    const all = await api<CancelResults>(sandbox.url, strangerToken, 'POST', '/orders/cancel', {
      all: true,
    });
    assert.deepEqual(all.body.results, []);
    const list = await api<OrderPage>(sandbox.url, strangerToken, 'GET', '/orders?status=all');
    assert.deepEqual(list.body.orders, []);
    assert.equal((await call<OrderBody>('GET', `/orders/${mine.id}`)).body.status, 'open');
    assert.equal((await call('GET', '/orders/ord_9999999999')).status, 404);
  });

  test('POST /orders/cancel: by ids (mixed), by symbol, and all → 207', async () => {
    const live = await place(restingBuy('EURUSD', 'cancel-live'));
    const done = await place(restingBuy('EURUSD', 'cancel-done'));
    await call('DELETE', `/orders/${done.id}`);
    const mixed = await call<CancelResults>('POST', '/orders/cancel', {
      ids: [live.id, 'ord_does_not_exist', done.id, live.id],
    });
    assert.equal(mixed.status, 207);
    assert.deepEqual(
      mixed.body.results.map((r) => [r.id, r.status]),
      [
        [live.id, 200],
        ['ord_does_not_exist', 404],
        [done.id, 409],
        [live.id, 409],
      ],
    );
    assert.equal(mixed.body.results[1]?.error?.code, 'not_found');
    assert.equal(mixed.body.results[2]?.error?.code, 'conflict');
    assert.equal((await call<OrderBody>('GET', `/orders/${live.id}`)).body.status, 'cancelled');

    const euro = await place(restingBuy('EURUSD', 'cancel-eur'));
    const gold = await place(restingBuy('XAUUSD', 'cancel-gold'));
    const bySymbol = await call<CancelResults>('POST', '/orders/cancel', { symbol: 'XAUUSD' });
    assert.equal(bySymbol.status, 207);
    const goldIds = bySymbol.body.results.map((r) => r.id);
    assert.ok(goldIds.includes(gold.id));
    assert.ok(bySymbol.body.results.every((r) => r.status === 200));
    const stillOpen = (await pages('status=open', 500)).flat();
    assert.ok(stillOpen.every((o) => o.symbol !== 'XAUUSD'));
    assert.ok(stillOpen.some((o) => o.id === euro.id));

    const everything = await call<CancelResults>('POST', '/orders/cancel', { all: true });
    assert.equal(everything.status, 207);
    assert.deepEqual(
      everything.body.results.map((r) => r.id).sort(),
      stillOpen.map((o) => o.id).sort(),
    );
    assert.deepEqual((await pages('status=open', 500)).flat(), []);
    const none = await call<CancelResults>('POST', '/orders/cancel', { all: true });
    assert.deepEqual(none.body.results, []);
    for (const body of [{}, { ids: [] }, { all: false }, { ids: ['x'], all: true }]) {
      assert.equal((await call('POST', '/orders/cancel', body)).status, 400, JSON.stringify(body));
    }
  });

  test('POST /sandbox/reset restores 100000, flattens positions, cancels live orders', async () => {
    await place({ ...marketBuy(5000) });
    await place({ ...marketBuy(3, { symbol: 'XAUUSD', action: 'sell' }) });
    const resting = await place(restingBuy('EURUSD', 'reset-resting'));
    const before = await call<{ balance: number; positions: unknown[] }>('GET', '/account');
    assert.ok(before.body.positions.length >= 2);
    assert.notEqual(before.body.balance, 100_000);
    const reset = await call<{ account_id: string; balance: number; cancelled_orders: number }>(
      'POST',
      '/sandbox/reset',
    );
    assert.equal(reset.status, 200);
    assert.equal(reset.body.account_id, trader.account_id);
    assert.equal(reset.body.balance, 100_000);
    assert.equal(reset.body.cancelled_orders, 1);
    const after = await call<{
      balance: number;
      equity: number;
      margin_used: number;
      unrealized_pnl: number;
      realized_pnl: number;
      positions: unknown[];
    }>('GET', '/account');
    assert.equal(after.body.balance, 100_000);
    assert.equal(after.body.equity, 100_000);
    assert.equal(after.body.margin_used, 0);
    assert.equal(after.body.unrealized_pnl, 0);
    assert.equal(after.body.realized_pnl, 0);
    assert.deepEqual(after.body.positions, []);
    assert.equal((await call<OrderBody>('GET', `/orders/${resting.id}`)).body.status, 'cancelled');
    assert.deepEqual((await pages('status=open', 500)).flat(), []);
    // History stays readable; the other account is untouched.
    assert.ok((await pages('status=all', 500)).flat().length > 10);
    const other = await api<{ balance: number }>(sandbox.url, strangerToken, 'GET', '/account');
    assert.equal(other.body.balance, 100_000);
    // client_order_ids of the old session may be used again.
    const reused = await call<OrderBody>('POST', '/orders', restingBuy('EURUSD', 'reset-resting'));
    assert.equal(reused.status, 201);
    assert.notEqual(reused.body.id, resting.id);
    // Reset takes no body.
    assert.equal((await call('POST', '/sandbox/reset', { really: true })).status, 400);
  });
  test('every listing agrees with filtering status=all, with GET /orders/{id} and with the fills', async () => {
    // Orders in every state: live, filled with an armed exit, filled, cancelled, on three symbols.
    const { body: gbp } = await call<{ quote: { bid: number } }>('GET', '/market/GBPUSD');
    await place(
      marketBuy(1000, { symbol: 'GBPUSD', stop_loss: Number((gbp.quote.bid - 0.01).toFixed(5)) }),
    );
    await place(marketBuy(1, { symbol: 'XAUUSD' }));
    await place(restingBuy('XAUUSD', 'consistency-live'));
    // Symbols of which no order has finished yet: one resting, one filled with an armed exit.
    await place({ ...restingBuy('EURUSD'), symbol: 'USDCHF' });
    const { body: aud } = await call<{ quote: { bid: number } }>('GET', '/market/AUDUSD');
    await place(
      marketBuy(1000, { symbol: 'AUDUSD', stop_loss: Number((aud.quote.bid - 0.01).toFixed(5)) }),
    );
    const cancelled = await place(restingBuy('GBPUSD', 'consistency-cancelled'));
    await call('DELETE', `/orders/${cancelled.id}`);
    const all = (await pages('status=all', 500)).flat();
    const statusOf: Record<string, (status: string) => boolean> = {
      open: (status) => status === 'open' || status === 'partially_filled',
      filled: (status) => status === 'filled',
      cancelled: (status) => ['cancelled', 'expired', 'rejected'].includes(status),
      all: () => true,
    };
    for (const status of Object.keys(statusOf)) {
      for (const symbol of [
        undefined,
        'EURUSD',
        'GBPUSD',
        'XAUUSD',
        'USDCHF',
        'AUDUSD',
        'USDJPY',
      ]) {
        const query = `status=${status}${symbol === undefined ? '' : `&symbol=${symbol}`}`;
        const expected = all
          .filter(
            (o) => statusOf[status]?.(o.status) && (symbol === undefined || o.symbol === symbol),
          )
          .map((o) => o.id);
        const listed = (await pages(query, 4)).flat().map((o) => o.id);
        assert.deepEqual(listed, expected, query);
      }
    }
    for (const order of all) {
      assert.deepEqual((await call('GET', `/orders/${order.id}`)).body, order, order.id);
    }
    const fills = await call<{
      fills: { id: string; order_id: string; price: number; t: number }[];
    }>('GET', '/account/fills?limit=5000');
    const byId = new Map(
      all.map((o) => [o.id, o as unknown as { fills: { id: string; price: number; t: number }[] }]),
    );
    for (const fill of fills.body.fills) {
      const owner = byId.get(fill.order_id)?.fills.find((f) => f.id === fill.id);
      assert.ok(owner, `fill ${fill.id} is not on order ${fill.order_id}`);
      assert.equal(owner.price, fill.price);
      assert.equal(owner.t, fill.t);
    }
  });
});
