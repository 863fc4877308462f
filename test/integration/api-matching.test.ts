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
  waitFor,
} from './harness';

after(() => stopAllSandboxes());

// The sandbox's own clock drives these: orders rest, the live matcher feeds them new ticks, and
// the tests poll (with a deadline) until the market has done what it was waited for.

interface Fill {
  price: number;
  quantity: number;
  t: number;
}
interface OrderBody {
  id: string;
  action: 'buy' | 'sell';
  status: string;
  quantity: number;
  filled_quantity: number;
  order_type: string;
  limit_price: number | null;
  take_profit: number | null;
  stop_loss: number | null;
  avg_fill_price: number | null;
  fills: Fill[];
  created_at: number;
  parent_order_id: string | null;
  trigger: 'stop_loss' | 'take_profit' | null;
}
interface Quote {
  bid: number;
  ask: number;
}

const tick = 0.00001;
const onGrid = (price: number) => Number(price.toFixed(5));
const waitOptions = { timeoutMs: 90_000, intervalMs: 200 };

describe('the live matcher', () => {
  let sandbox: SandboxProcess;
  const tokens: string[] = [];
  const call = <T>(account: number, method: string, path: string, body?: unknown) =>
    api<T>(sandbox.url, tokens[account] ?? '', method, path, body);
  const quote = async () => (await call<{ quote: Quote }>(0, 'GET', '/market/EURUSD')).body.quote;

  before(async () => {
    sandbox = await startSandboxProcess();
    const keys = await Promise.all(
      Array.from({ length: 4 }, () => createKey(sandbox, 'trade', 'new')),
    );
    tokens.push(...(await Promise.all(keys.map((key) => accessToken(sandbox.url, key)))));
  });

  /** Places what `build` makes of the current quote until it is accepted (the quote may move). */
  async function placeAtQuote(
    account: number,
    build: (quote: Quote) => Record<string, unknown>,
    accept: (order: OrderBody) => boolean = () => true,
  ): Promise<OrderBody> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const answer = await call<OrderBody>(account, 'POST', '/orders', build(await quote()));
      if (answer.status === 201 && accept(answer.body)) return answer.body;
      if (answer.status === 201) await call(account, 'DELETE', `/orders/${answer.body.id}`);
      else assert.equal(answer.status, 422, JSON.stringify(answer.body));
    }
    throw new Error('the quote moved away ten times in a row');
  }

  test('resting limit orders fill once the market reaches them, at their limit or better', async () => {
    // A buy a tick under the ask and a sell a tick over the bid: whichever way the market
    // moves, one of them is reached soon.
    const rests = (order: OrderBody) => order.status === 'open';
    const buy = await placeAtQuote(
      0,
      (q) => ({ ...marketBuy(1000), order_type: 'limit', limit_price: onGrid(q.ask - tick) }),
      rests,
    );
    const sell = await placeAtQuote(
      1,
      (q) => ({
        ...marketBuy(1000),
        action: 'sell',
        order_type: 'limit',
        limit_price: onGrid(q.bid + tick),
      }),
      rests,
    );
    const filled = await waitFor(
      'a resting limit order to fill',
      async () => {
        for (const [account, order] of [
          [0, buy],
          [1, sell],
        ] as const) {
          const now = await call<OrderBody>(account, 'GET', `/orders/${order.id}`);
          if (now.body.status === 'filled') return { account, order: now.body };
          assert.equal(now.body.status, 'open', 'a resting order only fills');
        }
        return undefined;
      },
      waitOptions,
    );
    const { order, account } = filled;
    const limit = order.limit_price as number;
    assert.equal(order.filled_quantity, order.quantity);
    assert.ok(order.fills.length >= 1);
    for (const fill of order.fills) {
      if (order.action === 'buy') assert.ok(fill.price <= limit, `bought at ${fill.price}`);
      else assert.ok(fill.price >= limit, `sold at ${fill.price}`);
      assert.ok(
        fill.t >= order.created_at,
        `filled at ${fill.t}, before the order existed (${order.created_at}): a stale tick`,
      );
    }
    const positions = await call<{ positions: { symbol: string; quantity: number }[] }>(
      account,
      'GET',
      '/account/positions',
    );
    assert.deepEqual(
      positions.body.positions.map((p) => [p.symbol, p.quantity]),
      [['EURUSD', order.action === 'buy' ? 1000 : -1000]],
    );
    const fills = await call<{ fills: { order_id: string; t: number }[] }>(
      account,
      'GET',
      '/account/fills',
    );
    assert.deepEqual(
      fills.body.fills.map((f) => f.order_id),
      order.fills.map(() => order.id),
    );
  });

  for (const trigger of ['take_profit', 'stop_loss'] as const) {
    test(`a ${trigger} exit fires as a child order once the market reaches it`, async () => {
      // A long and a short, each with its exit one tick beyond where it would close now.
      const long = 2;
      const short = 3;
      const realizedBefore: number[] = [];
      for (const account of [long, short]) {
        await call(account, 'POST', '/sandbox/reset');
        const view = await call<{ realized_pnl: number }>(account, 'GET', '/account');
        realizedBefore[account] = view.body.realized_pnl;
      }
      const exitFor = (action: 'buy' | 'sell', q: Quote) => {
        const up = trigger === 'take_profit' ? action === 'buy' : action === 'sell';
        // Exits are judged at the closing side: the bid for a long, the ask for a short.
        const closing = action === 'buy' ? q.bid : q.ask;
        const entry = action === 'buy' ? q.ask : q.bid;
        // A take profit must also lie beyond the entry price.
        const beyond = up ? Math.max(closing, entry) + tick : Math.min(closing, entry) - tick;
        return { [trigger]: onGrid(beyond) };
      };
      const entries = [
        await placeAtQuote(long, (q) => marketBuy(1000, exitFor('buy', q))),
        await placeAtQuote(short, (q) =>
          marketBuy(1000, { action: 'sell', ...exitFor('sell', q) }),
        ),
      ];
      for (const entry of entries) assert.equal(entry.status, 'filled');
      const fired = await waitFor(
        `a ${trigger} child order`,
        async () => {
          for (const [account, entry] of [
            [long, entries[0]],
            [short, entries[1]],
          ] as const) {
            const all = await call<{ orders: OrderBody[] }>(account, 'GET', '/orders?status=all');
            const child = all.body.orders.find((o) => o.parent_order_id === entry?.id);
            if (child) return { account, entry: entry, child };
          }
          return undefined;
        },
        waitOptions,
      );
      const { account, entry, child } = fired;
      assert.equal(child.trigger, trigger);
      assert.equal(child.order_type, 'market');
      assert.equal(child.action, entry.action === 'buy' ? 'sell' : 'buy');
      assert.equal(child.quantity, entry.quantity);
      const level = entry[trigger] as number;
      const done = await waitFor(
        'the exit to fill',
        async () => {
          const now = await call<OrderBody>(account, 'GET', `/orders/${child.id}`);
          return now.body.status === 'filled' ? now.body : undefined;
        },
        waitOptions,
      );
      const favourable = (trigger === 'take_profit') === (child.action === 'sell');
      for (const fill of done.fills) {
        if (favourable) assert.ok(fill.price >= level, `${trigger} filled at ${fill.price}`);
        else assert.ok(fill.price <= level, `${trigger} filled at ${fill.price}`);
        assert.ok(fill.t >= entry.created_at);
      }
      const positions = await call<{ positions: unknown[] }>(account, 'GET', '/account/positions');
      assert.deepEqual(positions.body.positions, [], 'the exit closed the position');
      const accountView = await call<{ realized_pnl: number }>(account, 'GET', '/account');
      const realized = accountView.body.realized_pnl - (realizedBefore[account] ?? 0);
      if (trigger === 'take_profit') assert.ok(realized > 0, `realized ${realized}`);
      else assert.ok(realized < 0, `realized ${realized}`);
    });
  }
});
