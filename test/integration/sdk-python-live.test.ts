// The Python SDK trading live on a real `tbm sandbox`: reconcile on start, orders and fills
// printed and passed to handlers, ticks, a clean stop on SIGINT; a crashing handler and a bad
// config end the run with a clear message and a non-zero exit code.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Order } from '../../api/orders';
import type { Account } from '../../api/account';
import { marketBuy, stopAllSandboxes, tradingSandbox } from './harness';
import type { Key } from './harness';
import { pythonScripts, runPython, stopAllPython, timberEnv } from './sdk-python-process';

after(async () => {
  await stopAllPython();
  await stopAllSandboxes();
});

const config = join(pythonScripts, 'live_trader.json');

describe('a Python strategy trading live on the sandbox', () => {
  let url: string;
  let key: Key;
  let call: Awaited<ReturnType<typeof tradingSandbox>>['call'];

  before(async () => {
    const setup = await tradingSandbox();
    ({ key, call } = setup);
    url = setup.sandbox.url;
  });

  test('reconciles, trades, reports each order and fill, and stops on SIGINT', async () => {
    // State left by an earlier run: a position and a resting order the script must see first.
    assert.equal(
      (await call('POST', '/orders', marketBuy(2000), { 'Idempotency-Key': 'pre-1' })).status,
      201,
    );
    const quote = (
      await call<{ quotes: { bid: number }[] }>('GET', '/market/quotes?symbols=EURUSD')
    ).body.quotes[0];
    const resting = await call<Order>(
      'POST',
      '/orders',
      marketBuy(1000, { order_type: 'limit', limit_price: Number((quote.bid * 0.9).toFixed(5)) }),
      { 'Idempotency-Key': 'pre-2' },
    );
    assert.equal(resting.body.status, 'open');

    const run = runPython(join(pythonScripts, 'live_trader.py'), {
      ...timberEnv(url, key),
      TIMBER_STRATEGY_CONFIG: config,
    });
    await run.waitForLine(/^START open_orders=1 position=2000$/);
    const restingLine = await run.waitForLine(/^RESTING \S+ open$/);
    const restingId = restingLine.split(' ')[1];
    // The market order: accepted then filled, each once, printed and passed to the handlers.
    await run.waitForLine(/order ord_\w+ accepted: buy 1000 EURUSD market$/);
    await run.waitForLine(/fill ord_\w+: bought 1000 EURUSD at \d/);
    await run.waitForLine(/^FILLED \S+ 1000 position=3000$/);
    await run.waitForLine(new RegExp(`^UPDATE accepted ${restingId}$`));
    await run.waitForLine(/^TICKS 3 bid=\d/);

    const outcome = await run.stop('SIGINT');
    assert.deepEqual(outcome, { code: 0, signal: null }, run.stderr());
    assert.ok(run.lines.includes('STOP position=3000 open=2'), run.lines.join('\n'));
    assert.equal(run.lines.filter((line) => /^FILLED /.test(line)).length, 1);

    // What the script did is what the sandbox holds; its resting order outlives it.
    const account = (await call<Account>('GET', '/account')).body;
    assert.equal(account.positions.find((p) => p.symbol === 'EURUSD')?.quantity, 3000);
    const open = (await call<{ orders: Order[] }>('GET', '/orders?status=open')).body.orders;
    assert.deepEqual(open.map((o) => o.id).sort(), [resting.body.id, restingId].sort());
    assert.doesNotMatch(run.lines.join('\n') + run.stderr(), new RegExp(key.secret));
  });

  test('a handler that raises ends the run with exit code 1, naming the handler and time', async () => {
    const run = runPython(join(pythonScripts, 'crash_on_tick.py'), {
      ...timberEnv(url, key),
      TIMBER_STRATEGY_CONFIG: config,
    });
    const outcome = await run.exited;
    assert.equal(outcome.code, 1, run.stderr());
    assert.match(
      run.stderr(),
      /error: on_tick raised ValueError: the strategy tripped on purpose \(at 20\d\d-\d\d-\d\dT/,
    );
  });

  test('a missing config file ends the run with exit code 2 and says what to do', async () => {
    const run = runPython(join(pythonScripts, 'order_watch.py'), {
      ...timberEnv(url, key),
      TIMBER_STRATEGY_CONFIG: join(pythonScripts, 'nope.json'),
    });
    const outcome = await run.exited;
    assert.equal(outcome.code, 2);
    assert.match(
      run.stderr(),
      /nope\.json does not exist: put a strategy\.json next to the script/,
    );
  });

  test('a wrong secret is refused in plain words, without echoing it', async () => {
    const run = runPython(join(pythonScripts, 'order_watch.py'), {
      ...timberEnv(url, { key_id: key.key_id, secret: 'tbs_wrong-secret-value' }),
      TIMBER_STRATEGY_CONFIG: config,
    });
    const outcome = await run.exited;
    assert.equal(outcome.code, 1);
    assert.match(run.stderr(), /was refused .*check TIMBER_API_KEY_ID and TIMBER_API_SECRET/);
    assert.doesNotMatch(run.stderr(), /wrong-secret-value/);
  });
});
