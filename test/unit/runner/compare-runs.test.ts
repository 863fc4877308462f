import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { comparisonMarkdown, compareRuns, readComparedRun } from '../../../runner/compare-runs';
import { RunRecord } from '../../../runner/record-schema';

const backtest = (id: string, change: Partial<RunRecord>): RunRecord =>
  RunRecord.parse({
    id,
    kind: 'backtest',
    script: '/work/sma/sma_crossover.py',
    script_copy: 'sma_crossover.py',
    config: '/work/sma/strategy.json',
    config_copy: 'strategy.json',
    env: 'backtest',
    base_url: null,
    account_id: null,
    started_at: Date.UTC(2026, 11, 8, 9),
    ended_at: Date.UTC(2026, 11, 8, 9, 0, 12, 500),
    api_window: null,
    status: 'succeeded',
    exit: { code: 0, signal: null, stopped_with: null },
    backtest: {
      symbols: ['EURUSD'],
      interval: '1m',
      from: Date.UTC(2024, 0, 2),
      to: Date.UTC(2024, 2, 1),
      balance: 100_000,
      via: 'session',
    },
    orders: 40,
    fills: 40,
    pnl: { realized: 120.5, fees: 8, equity_change: 112.5 },
    statistics: {
      total_return: 0.001125,
      sharpe: 0.8,
      max_drawdown: 0.02,
      win_rate: 0.5,
      cagr: null,
    },
    warnings: [],
    ...change,
  });

test('two backtests: what differed and what came of it, with which is better', () => {
  const a = { record: backtest('a', {}), params: { fast: 10, slow: 30, mode: 'close' } };
  const b = {
    record: backtest('b', {
      orders: 30,
      pnl: { realized: 100, fees: 6, equity_change: 94 },
      statistics: {
        total_return: 0.00094,
        sharpe: 1.1,
        max_drawdown: 0.025,
        win_rate: 0.5,
        cagr: 0.01,
      },
    }),
    params: { fast: 12, slow: 30, mode: 'hl2', extra: true },
  };
  const rows = compareRuns(a, b);
  const row = (label: string) => rows.find((each) => each.label === label);
  assert.deepEqual(row('Run'), {
    section: 'run',
    label: 'Run',
    a: 'a',
    b: 'b',
    change: 'differs',
    better: null,
  });
  assert.equal(row('Script')?.change, null, 'the same script');
  assert.deepEqual([row('Duration (s)')?.a, row('Duration (s)')?.change], [12.5, null]);
  assert.deepEqual([row('fast')?.section, row('fast')?.change], ['params', '+2']);
  assert.equal(row('slow')?.change, null);
  assert.equal(row('mode')?.change, 'differs');
  assert.deepEqual(
    [row('extra')?.a, row('extra')?.b, row('extra')?.change],
    [null, 'true', 'only one has it'],
  );
  assert.deepEqual([row('Orders')?.change, row('Orders')?.better], ['−10', null]);
  assert.deepEqual([row('Realized P&L')?.change, row('Realized P&L')?.better], ['−20.5', false]);
  assert.deepEqual([row('Fees')?.change, row('Fees')?.better], ['−2', true]);
  assert.deepEqual([row('Sharpe')?.change, row('Sharpe')?.better], ['+0.3', true]);
  assert.deepEqual(
    [
      row('Max drawdown')?.a,
      row('Max drawdown')?.b,
      row('Max drawdown')?.change,
      row('Max drawdown')?.better,
    ],
    ['2%', '2.5%', '+0.5 pts', false],
  );
  assert.deepEqual([row('Win rate')?.change, row('Win rate')?.better], [null, null]);
  assert.deepEqual([row('CAGR')?.a, row('CAGR')?.change], [null, 'only one has it']);
  assert.equal(row('Sortino')?.change, null, 'neither has it');
  const markdown = comparisonMarkdown(rows);
  assert.match(markdown, /^# a vs b\n/);
  assert.match(markdown, /\| Sharpe \| 0\.8 \| 1\.1 \| \+0\.3 ▲ better \|/);
  assert.match(markdown, /\| Realized P&L \| 120\.5 \| 100 \| −20\.5 ▼ worse \|/);
  assert.match(markdown, /\| CAGR \| — \| 1% \| only one has it \|/);
  assert.match(
    markdown,
    /## Parameters\n\n\| \| A \| B \| B − A \|\n\|---\|---:\|---:\|---\|\n\| extra \|/,
  );
});

test("a run's params come from the config copy in its folder; none when it is missing or not JSON", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'compare-'));
  const record = backtest('c', {});
  assert.deepEqual((await readComparedRun(record, dir)).params, {});
  writeFileSync(join(dir, 'strategy.json'), '{"name":"x","params":{"fast":5}}');
  assert.deepEqual((await readComparedRun(record, dir)).params, { fast: 5 });
  writeFileSync(join(dir, 'strategy.json'), '{"name":');
  assert.deepEqual((await readComparedRun(record, dir)).params, {});
  assert.deepEqual((await readComparedRun({ ...record, config_copy: null }, dir)).params, {});
});

test('a live run and a backtest: no range rows, text cells escaped in the table', () => {
  const live = {
    record: backtest('live|1', {
      kind: 'run',
      env: 'local',
      backtest: null,
      ended_at: null,
      statistics: null,
    }),
    params: {},
  };
  const rows = compareRuns(live, { record: backtest('b', { backtest: null }), params: {} });
  assert.equal(
    rows.find((row) => row.label === 'Range'),
    undefined,
  );
  assert.deepEqual(rows.find((row) => row.label === 'Duration (s)')?.change, 'only one has it');
  assert.match(comparisonMarkdown(rows), /^# live\|1 vs b/);
  assert.match(comparisonMarkdown(rows), /\| Run \| live\\\|1 \| b \|/);
});
