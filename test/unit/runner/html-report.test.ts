import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BacktestReport } from '../../../api/sessions';
import { htmlReport } from '../../../runner/html-report';
import { backtestStatistics } from '../../../runner/statistics';

const day = 24 * 3600_000;

function report(equity: [number, number][]): BacktestReport {
  return {
    from: 0,
    to: 3 * day,
    symbols: ['EURUSD'],
    interval: '1m',
    starting_balance: 100_000,
    bars: 10,
    exposed_bars: 5,
    max_drawdown: 0.02,
    equity,
    final_equity: equity.at(-1)?.[1] ?? 100_000,
    orders: [],
    fills: [
      {
        id: 'f1',
        order_id: 'o1',
        symbol: 'EURUSD',
        action: 'sell',
        price: 1.1,
        quantity: 10_000,
        fee: 0.2,
        realized_pnl: -12.5,
        t: day,
      },
    ],
  };
}

test('the page escapes what it shows and loads nothing from outside', () => {
  const data = report([
    [day, 101_000],
    [2 * day, 99_000],
    [3 * day, 102_000],
  ]);
  const html = htmlReport({
    title: '<script>alert("x")</script> & co',
    report: data,
    statistics: backtestStatistics(data),
  });
  assert.ok(!html.includes('<script>'), 'the title was not escaped');
  assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; co/);
  assert.doesNotMatch(html, /<link|src=|url\(/);
  const points = /<polyline[^>]*points="([^"]+)"/.exec(html)?.[1].split(' ');
  assert.equal(points?.length, 3);
  assert.match(html, /<td class="n loss">-12\.50<\/td>/);
  assert.match(html, /<th>Total return<\/th><td>2\.00%<\/td>/);
});

test('a report without equity samples still renders', () => {
  const data = report([]);
  const html = htmlReport({ title: 'empty', report: data, statistics: backtestStatistics(data) });
  assert.match(html, /No equity samples/);
});
