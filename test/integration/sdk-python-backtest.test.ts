// The Python SDK in a lockstep replay session: the unchanged example scripts run as backtests
// when given a session's URLs, and the SMA crossover's orders are exactly those its rules give on
// the session's bars (the right bar, side and quantity), however far the client pipelines ahead.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Candle } from '../../api/market';
import type { BacktestReport, Session } from '../../api/sessions';
import { stopAllSandboxes, tradingSandbox } from './harness';
import type { Key } from './harness';
import { repoRoot, runPython, stopAllPython, timberEnv } from './sdk-python-process';

after(async () => {
  await stopAllPython();
  await stopAllSandboxes();
});

const from = Date.parse('2024-03-04T00:00:00Z');
const to = Date.parse('2024-03-06T00:00:00Z');
const minute = 60_000;

/** The SMA crossover's rules, with the same float operations as the example scripts. */
function expectedCrossoverTrades(closes: number[], fast = 50, slow = 200, quantity = 10_000) {
  const trades: { bar: number; action: 'buy' | 'sell'; quantity: number }[] = [];
  let fastSum = 0;
  let slowSum = 0;
  let lastSide = 0;
  let position = 0;
  closes.forEach((close, index) => {
    const count = index + 1;
    fastSum += close;
    if (count > fast) fastSum -= closes[count - 1 - fast];
    slowSum += close;
    if (count > slow) slowSum -= closes[count - 1 - slow];
    if (count < slow) return;
    const side = fastSum / fast > slowSum / slow ? 1 : fastSum / fast < slowSum / slow ? -1 : 0;
    if (side === 0 || side === lastSide) return;
    const first = lastSide === 0;
    lastSide = side;
    if (first) return;
    const target = side * quantity;
    if (target > position) trades.push({ bar: index, action: 'buy', quantity: target - position });
    else if (target < position)
      trades.push({ bar: index, action: 'sell', quantity: position - target });
    position = target;
  });
  return trades;
}

// Two backtests of seconds each: a session that stalls fails the suite, not the CI job.
describe('Python strategies in lockstep replay sessions', { timeout: 300_000 }, () => {
  let key: Key;
  let call: Awaited<ReturnType<typeof tradingSandbox>>['call'];

  before(async () => {
    const setup = await tradingSandbox();
    ({ key, call } = setup);
  });

  async function backtest(script: string, config: string) {
    const created = await call<Session>('POST', '/sandbox/sessions', {
      symbols: ['EURUSD'],
      interval: '1m',
      from,
      to,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const session = created.body;
    const run = runPython(join(repoRoot, script), {
      ...timberEnv(session.base_url, key),
      TIMBER_STREAM_URL: session.stream_url,
      TIMBER_ENV: 'backtest',
      TIMBER_STRATEGY_CONFIG: join(repoRoot, config),
    });
    const outcome = await run.exited;
    assert.equal(outcome.code, 0, `${run.lines.join('\n')}\n${run.stderr()}`);
    assert.ok(
      run.lines.includes(`backtest finished after ${session.bars_total} bars`),
      run.lines.join('\n'),
    );
    const report = await call<BacktestReport>('GET', `/sandbox/sessions/${session.id}/report`);
    assert.equal(report.status, 200);
    return { session, run, report: report.body };
  }

  test('the SMA crossover places exactly the orders its rules give, at the right bars', async () => {
    const { session, run, report } = await backtest(
      'examples/sma-crossover/sma_crossover.py',
      'examples/sma-crossover/strategy.json',
    );
    const candles = (
      await call<{ candles: Candle[] }>(
        'GET',
        `/market/candles?symbol=EURUSD&interval=1m&from=${from}&to=${to}&limit=5000`,
      )
    ).body.candles.filter((candle) => candle.t >= from && candle.t + minute <= to);
    assert.equal(candles.length, session.bars_total);
    const expected = expectedCrossoverTrades(candles.map((candle) => candle.c));
    assert.ok(expected.length >= 2, 'the range should hold crossovers');
    assert.deepEqual(
      report.orders.map((order) => ({
        at: order.created_at,
        action: order.action,
        quantity: order.quantity,
        status: order.status,
      })),
      expected.map((trade) => ({
        at: candles[trade.bar].t + minute,
        action: trade.action,
        quantity: trade.quantity,
        status: 'filled',
      })),
    );
    // One printed line per order event and per fill.
    assert.equal(
      run.lines.filter((line) => / order ord_\w+ accepted: /.test(line)).length,
      expected.length,
    );
    assert.equal(
      run.lines.filter((line) => / fill ord_\w+: /.test(line)).length,
      report.fills.length,
    );
  });

  test('the volatility breakout trades with stops and targets on the tick grid', async () => {
    const { run, report } = await backtest(
      'examples/volatility-breakout/volatility_breakout.py',
      'examples/volatility-breakout/strategy.json',
    );
    const entries = report.orders.filter((order) => order.parent_order_id === null);
    assert.ok(entries.length > 0, run.lines.join('\n'));
    for (const entry of entries) {
      assert.equal(entry.quantity, 10_000);
      assert.ok(entry.stop_loss !== null && entry.take_profit !== null);
      for (const price of [entry.stop_loss, entry.take_profit]) {
        assert.equal(Number(price.toFixed(5)), price, `${price} is on the 0.00001 grid`);
      }
      const [low, high] =
        entry.action === 'buy'
          ? [entry.stop_loss, entry.take_profit]
          : [entry.take_profit, entry.stop_loss];
      assert.ok(low < high, `stop loss and take profit lie on the right sides (${entry.id})`);
    }
    // Entries only when flat with no open orders: the position never passes one entry's size.
    let position = 0;
    for (const fill of report.fills) {
      position += fill.action === 'buy' ? fill.quantity : -fill.quantity;
      assert.ok(Math.abs(position) <= 10_000, `position ${position} after fill ${fill.id}`);
    }
  });
});
