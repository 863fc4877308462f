import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StrategyConfig } from '../../../api/strategy-config';
import {
  describeChoice,
  parseRange,
  rangePresets,
  rangeRequest,
} from '../../../extension/runs/backtest-choice';
import { resolveBacktestRange } from '../../../runner/backtest-range';

const day = 86_400_000;
const now = Date.UTC(2026, 11, 8, 14, 30);
const config = StrategyConfig.parse({
  name: 'SMA',
  symbols: ['EURUSD', 'GBPUSD'],
  interval: '5m',
  backtest: { from: '2024-01-02', to: '2024-03-01' },
});

test('presets: the config range first, then spans ending at the last full day, all inside the data', () => {
  const presets = rangePresets(now, config);
  assert.deepEqual(presets[0], {
    label: 'As strategy.json says',
    from: Date.UTC(2024, 0, 2),
    to: Date.UTC(2024, 2, 1),
    balance: 100_000,
  });
  const spans = presets.slice(1);
  assert.deepEqual(
    spans.map((preset) => [preset.label, (preset.to - preset.from) / day]),
    [
      ['The last week', 7],
      ['The last month', 30],
      ['The last 3 months', 91],
      ['The last year', 365],
      ['All the history there is (5 years)', 1825],
    ],
  );
  for (const preset of spans) assert.equal(preset.to, Date.UTC(2026, 11, 8));
  // Every span stays inside what /market/historical serves at that instant.
  assert.ok(spans.at(-1)!.from > Date.UTC(2021, 11, 8, 14, 30));
  assert.equal(rangePresets(now, null)[0]?.label, 'The last week');
});

test('a choice reads as one line and goes to the runner as the range it names', () => {
  const choice = {
    symbols: ['EURUSD', 'GBPUSD'],
    interval: '1m' as const,
    from: Date.UTC(2024, 0, 2),
    to: Date.UTC(2024, 0, 2, 18),
  };
  assert.equal(
    describeChoice(choice),
    'EURUSD, GBPUSD · 1m · 2024-01-02 → 2024-01-02 18:00 UTC (18 hours)',
  );
  const range = resolveBacktestRange(rangeRequest(choice), config);
  assert.deepEqual(range, { ...choice, balance: 100_000 });
});

test('a range typed by hand: arrows, dots, "to" or spaces; its problem in words otherwise', () => {
  const expected = { from: Date.UTC(2024, 0, 2), to: Date.UTC(2024, 2, 1) };
  for (const text of [
    '2024-01-02 → 2024-03-01',
    '2024-01-02..2024-03-01',
    '2024-01-02 to 2024-03-01',
    ' 2024-01-02   2024-03-01 ',
    '2024-01-02 -> 2024-03-01',
  ])
    assert.deepEqual(parseRange(text, now), expected, text);
  assert.deepEqual(parseRange('2024-01-02T12:00:00Z → 1704304800000', now), {
    from: Date.UTC(2024, 0, 2, 12),
    to: 1704304800000,
  });
  assert.match(parseRange('2024-01-02', now) as string, /give a start and an end/);
  assert.match(parseRange('2024-03-01 → 2024-01-02', now) as string, /must be after the start/);
  assert.match(parseRange('yesterday → today', now) as string, /"yesterday" is not a date/);
  assert.match(
    parseRange('2026-12-01 → 2027-01-01', now) as string,
    /after the data there is \(2026-12-08\)/,
  );
  assert.match(
    parseRange('2019-01-01 → 2020-01-01', now) as string,
    /history reaches back to 2021-12-08 14:30/,
  );
});
