import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccountFill } from '../../../api/account';
import type { BacktestReport } from '../../../api/sessions';
import {
  backtestStatistics,
  cagr,
  dailyReturns,
  sharpeRatio,
  sortinoRatio,
  tradeStatistics,
} from '../../../runner/statistics';

const day = 24 * 3600_000;
const close = (value: number, expected: number, digits = 9) =>
  assert.ok(Math.abs(value - expected) < 10 ** -digits, `${value} is not ${expected}`);

let fillId = 0;
function fill(realized: number, fee = 1): AccountFill {
  fillId += 1;
  return {
    id: `f${fillId}`,
    order_id: `o${fillId}`,
    symbol: 'EURUSD',
    action: 'buy',
    price: 1.1,
    quantity: 10_000,
    fee,
    realized_pnl: realized,
    t: fillId * 60_000,
  };
}

function report(overrides: Partial<BacktestReport> = {}): BacktestReport {
  return {
    from: 0,
    to: 365.25 * day,
    symbols: ['EURUSD'],
    interval: '1m',
    starting_balance: 100_000,
    bars: 100,
    exposed_bars: 25,
    max_drawdown: 0.1,
    // Day 1 +10%, day 2 -10%, day 3 +10%; day 3 sampled twice (its last bar, then the final bar).
    equity: [
      [day - 60_000, 110_000],
      [2 * day - 60_000, 99_000],
      [3 * day - 120_000, 107_000],
      [3 * day - 60_000, 108_900],
    ],
    final_equity: 108_900,
    orders: [],
    fills: [fill(0), fill(300), fill(0), fill(-100), fill(-50, 2)],
    ...overrides,
  };
}

test('daily returns start from the starting balance and keep each day’s last sample', () => {
  const returns = dailyReturns(report());
  assert.equal(returns.length, 3);
  close(returns[0], 0.1);
  close(returns[1], -0.1);
  close(returns[2], 0.1);
});

test('Sharpe and Sortino of +10%, -10%, +10% days, annualised with √252', () => {
  // mean 1/30; sample sd √(0.04/3) = 0.2/√3; daily Sharpe √3/6; × √252 = √756/6.
  close(sharpeRatio([0.1, -0.1, 0.1]) ?? NaN, Math.sqrt(756) / 6);
  // downside deviation √(0.01/3); daily Sortino 1/√3; × √252 = √84.
  close(sortinoRatio([0.1, -0.1, 0.1]) ?? NaN, Math.sqrt(84));
  assert.equal(sharpeRatio([0.05]), null, 'one day says nothing');
  assert.equal(sharpeRatio([0.01, 0.01]), null, 'no variance');
  assert.equal(sortinoRatio([0.01, 0.02]), null, 'no losing day');
});

test('CAGR compounds the total return over the span', () => {
  close(cagr(100_000, 121_000, 2 * 365.25 * day) ?? NaN, 0.1);
  close(cagr(100_000, 108_900, 365.25 * day) ?? NaN, 0.089);
  assert.equal(cagr(100_000, 101_000, day / 2), null);
});

test('trades are fills that realize P&L: win rate, profit factor, realized and fees', () => {
  const trades = tradeStatistics(report().fills);
  assert.deepEqual(trades, {
    trades: 3,
    wins: 1,
    losses: 2,
    win_rate: 1 / 3,
    profit_factor: 2,
    realized_pnl: 150,
    fees: 6,
  });
  const none = tradeStatistics([fill(0)]);
  assert.equal(none.win_rate, null);
  assert.equal(none.profit_factor, null);
  assert.equal(tradeStatistics([fill(10)]).profit_factor, null, 'nothing lost: no ratio');
});

test('a report’s statistics: return, CAGR over a year, exposure, drawdown, counts', () => {
  const statistics = backtestStatistics(report());
  close(statistics.total_return, 0.089);
  close(statistics.cagr ?? NaN, 0.089);
  close(statistics.sharpe ?? NaN, Math.sqrt(756) / 6);
  assert.equal(statistics.exposure, 0.25);
  assert.equal(statistics.max_drawdown, 0.1);
  assert.equal(statistics.fills, 5);
  assert.equal(statistics.trades, 3);
  assert.equal(backtestStatistics(report({ bars: 0, exposed_bars: 0 })).exposure, 0);
});
