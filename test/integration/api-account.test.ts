import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Account, AccountFill } from '../../api/account';
import type { Instrument } from '../../api/market';
import { marketBuy, stopAllSandboxes, tradingSandbox } from './harness';

after(() => stopAllSandboxes());

interface FillPage {
  fills: AccountFill[];
  next_cursor: string | null;
}

const cents = (amount: number) => Math.round(amount * 100) / 100;
/** Money is rounded to cents, so sums of rounded parts may differ from the rounded whole by a cent or two. */
const assertMoney = (actual: number, expected: number, label: string, tolerance = 0.02) =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance + 1e-9,
    `${label}: ${actual} is not ${expected}`,
  );

describe('the account after fills', () => {
  let call: Awaited<ReturnType<typeof tradingSandbox>>['call'];
  const instruments = new Map<string, Instrument>();

  before(async () => {
    ({ call } = await tradingSandbox());
    const market = await call<{ instruments: Instrument[] }>('GET', '/market');
    for (const instrument of market.body.instruments)
      instruments.set(instrument.symbol, instrument);
  });

  async function allFills(query = '', limit = 500): Promise<AccountFill[][]> {
    const pages: AccountFill[][] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/account/fills?limit=${limit}${query}${cursor === null ? '' : `&cursor=${cursor}`}`;
      const page: { status: number; body: FillPage } = await call<FillPage>('GET', path);
      assert.equal(page.status, 200, path);
      pages.push(page.body.fills);
      cursor = page.body.next_cursor;
      assert.ok(pages.length < 100);
    } while (cursor !== null);
    return pages;
  }

  test('fees come off the balance; closing realizes the price difference', async () => {
    const opened = await call<{ fills: { price: number; quantity: number; fee: number }[] }>(
      'POST',
      '/orders',
      marketBuy(10_000),
    );
    assert.equal(opened.status, 201);
    const [buy] = opened.body.fills;
    assert.ok(buy);
    const eurusd = instruments.get('EURUSD') as Instrument;
    assertMoney(buy.fee, cents(eurusd.commission_rate * 10_000 * buy.price), 'fee', 0.01);
    assert.ok(buy.fee > 0, 'trading costs a fee');
    const afterOpen = Account.parse((await call('GET', '/account')).body);
    assertMoney(afterOpen.balance, 100_000 - buy.fee, 'balance after opening');
    assert.equal(afterOpen.realized_pnl, 0);

    const closed = await call<{ fills: { price: number; fee: number }[] }>(
      'POST',
      '/orders',
      marketBuy(10_000, { action: 'sell' }),
    );
    const [sell] = closed.body.fills;
    assert.ok(sell);
    const afterClose = Account.parse((await call('GET', '/account')).body);
    const realized = cents((sell.price - buy.price) * 10_000);
    assertMoney(afterClose.realized_pnl, realized, 'realized');
    assertMoney(
      afterClose.balance,
      100_000 - buy.fee - sell.fee + realized,
      'balance after closing',
    );
    assert.deepEqual(afterClose.positions, []);
    assert.equal(afterClose.unrealized_pnl, 0);
    assert.equal(afterClose.margin_used, 0);
    assert.equal(afterClose.equity, afterClose.balance);
  });

  test('balance, equity and margin stay consistent with the positions', async () => {
    await call('POST', '/orders', marketBuy(20_000));
    await call('POST', '/orders', marketBuy(5000, { action: 'sell', symbol: 'USDJPY' }));
    await call('POST', '/orders', marketBuy(2, { symbol: 'XAUUSD' }));
    // Netting: a partial close and an addition.
    await call('POST', '/orders', marketBuy(5000, { action: 'sell' }));
    await call('POST', '/orders', marketBuy(1, { symbol: 'XAUUSD' }));
    const account = Account.parse((await call('GET', '/account')).body);
    assert.deepEqual(
      account.positions.map((p) => [p.symbol, p.quantity]),
      [
        ['EURUSD', 15_000],
        ['USDJPY', -5000],
        ['XAUUSD', 3],
      ],
    );
    assertMoney(account.equity, account.balance + account.unrealized_pnl, 'equity');
    assertMoney(account.margin_available, account.equity - account.margin_used, 'margin_available');
    const sum = account.positions.reduce((total, p) => total + p.unrealized_pnl, 0);
    assertMoney(account.unrealized_pnl, sum, 'unrealized is the sum of the positions');
    // USD-quoted positions: P&L and margin are plain arithmetic on the closing price.
    let usdMargin = 0;
    for (const position of account.positions.filter((p) => p.symbol !== 'USDJPY')) {
      const instrument = instruments.get(position.symbol) as Instrument;
      assertMoney(
        position.unrealized_pnl,
        cents((position.market_price - position.avg_price) * position.quantity),
        `${position.symbol} unrealized`,
      );
      usdMargin += Math.abs(position.quantity) * position.market_price * instrument.margin_rate;
    }
    assert.ok(account.margin_used > usdMargin, 'the yen position needs margin too');
    // A long is valued at the bid, a short at the ask.
    const quotes = await call<{ quotes: { symbol: string; bid: number; ask: number }[] }>(
      'GET',
      '/market/quotes?symbols=EURUSD,USDJPY',
    );
    const eurusd = account.positions[0];
    const usdjpy = account.positions[1];
    assert.ok(eurusd && usdjpy);
    // The quote may have moved since; it is the same side, within a few ticks.
    const [eurQuote, jpyQuote] = quotes.body.quotes;
    assert.ok(eurQuote && jpyQuote);
    assert.ok(Math.abs(eurusd.market_price - eurQuote.bid) < 0.001);
    assert.ok(Math.abs(usdjpy.market_price - jpyQuote.ask) < 0.1);
    // Everything the fills say adds up to the balance.
    const fills = (await allFills()).flat();
    const net = fills.reduce((total, f) => total + f.realized_pnl - f.fee, 0);
    assertMoney(account.balance, 100_000 + net, 'balance = start + realized − fees', 0.05);
    assertMoney(
      account.realized_pnl,
      fills.reduce((total, f) => total + f.realized_pnl, 0),
      'realized_pnl is the sum over fills',
      0.05,
    );
  });

  test('GET /account/positions filters by symbols', async () => {
    const positions = async (query: string) => {
      const answer = await call<{ positions: { symbol: string }[] }>(
        'GET',
        `/account/positions${query}`,
      );
      assert.equal(answer.status, 200, query);
      return answer.body.positions.map((p) => p.symbol);
    };
    assert.deepEqual(await positions(''), ['EURUSD', 'USDJPY', 'XAUUSD']);
    assert.deepEqual(await positions('?symbols=EURUSD'), ['EURUSD']);
    assert.deepEqual(await positions('?symbols=XAUUSD,EURUSD'), ['EURUSD', 'XAUUSD']);
    assert.deepEqual(await positions('?symbols=GBPUSD'), []);
    assert.deepEqual(await positions('?symbols=EURUSD,EURUSD'), ['EURUSD']);
    const full = Account.parse((await call('GET', '/account')).body).positions;
    const filtered = await call<{ positions: unknown[] }>(
      'GET',
      '/account/positions?symbols=USDJPY',
    );
    const [fromAccount] = full.filter((p) => p.symbol === 'USDJPY');
    const [fromFilter] = filtered.body.positions as (typeof full)[number][];
    assert.equal(fromFilter?.quantity, fromAccount?.quantity);
    assert.equal(fromFilter?.avg_price, fromAccount?.avg_price);
    for (const bad of ['?symbols=', '?symbols=eurusd', '?symbol=EURUSD']) {
      const answer = await call('GET', `/account/positions${bad}`);
      assert.equal(answer.status, 400, bad);
    }
  });

  test('GET /account/fills pages every fill once, oldest first; since filters by time', async () => {
    const everything = (await allFills()).flat();
    assert.ok(everything.length >= 7);
    for (const fill of everything) AccountFill.strict().parse(fill);
    const ids = everything.map((f) => f.id);
    assert.equal(new Set(ids).size, ids.length);
    for (let i = 1; i < everything.length; i++) {
      assert.ok((everything[i]?.t ?? 0) >= (everything[i - 1]?.t ?? 0), 'oldest first');
    }
    const paged = await allFills('', 2);
    assert.ok(paged.slice(0, -1).every((page) => page.length === 2));
    assert.ok((paged.at(-1)?.length ?? 0) >= 1);
    assert.deepEqual(
      paged.flat().map((f) => f.id),
      ids,
    );

    const since = everything[3]?.t;
    const expected = everything.filter((f) => f.t >= since).map((f) => f.id);
    assert.deepEqual(
      (await allFills(`&since=${since}`)).flat().map((f) => f.id),
      expected,
    );
    assert.deepEqual(
      (await allFills(`&since=${since}`, 1)).flat().map((f) => f.id),
      expected,
    );
    assert.deepEqual((await allFills(`&since=${(everything.at(-1)?.t ?? 0) + 1}`)).flat(), []);
    // Every fill belongs to an order of this account that lists it.
    const orderId = everything[0]?.order_id;
    const order = await call<{ fills: { id: string }[] }>('GET', `/orders/${orderId}`);
    assert.ok(order.body.fills.some((f) => f.id === everything[0]?.id));
    for (const bad of ['since=-1', 'since=soon', 'limit=0', 'limit=5001', 'cursor=nope']) {
      assert.equal((await call('GET', `/account/fills?${bad}`)).status, 400, bad);
    }
  });
});
