// Strategy configs: the schema's problems where they are, and what only the market knows:
// symbols that exist, fast below slow, risk limits that let an order through, a backtest range
// inside the five years of data, a script beside the file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { diagnose } from '../../../language-server/service/diagnose';
import { offlineContext } from '../../../language-server/service/market-context';
import { afterFix, context, documentOf, findingsOf, pretty, textAt } from './support';

const config = {
  name: 'SMA crossover',
  symbols: ['EURUSD'],
  interval: '1m',
  params: { fast: 50, slow: 200, quantity: 10000 },
  risk: { max_position: 20000, max_orders_per_minute: 10 },
  backtest: { from: '2024-01-02', to: '2024-03-01', balance: 100000 },
};
const strategy = (changes: Record<string, unknown>) => pretty({ ...config, ...changes });
const summary = (text: string, name = 'strategy.json') =>
  findingsOf(text, name).map((each) => `${each.code} ${textAt(text, each)}`);

test('the examples and a valid config have no finding', () => {
  assert.deepEqual(summary(pretty(config)), []);
  // The examples backtest up to 2024-03-23: seen from a later market clock.
  const later = offlineContext(Date.parse('2025-01-06T12:00:00Z'));
  for (const example of ['sma-crossover', 'volatility-breakout']) {
    const text = readFileSync(`examples/${example}/strategy.json`, 'utf8');
    const document = documentOf(text, `examples/${example}/strategy.json`);
    assert.deepEqual(diagnose(document, later), [], example);
  }
});

test('*.strategy.json is a strategy config too', () => {
  assert.deepEqual(summary(strategy({ symbols: ['EURUSX'] }), 'fast.strategy.json'), [
    'unknown_symbol "EURUSX"',
  ]);
});

test('an unknown or lower-case symbol is replaced by the nearest; a symbol twice is a warning', () => {
  const text = strategy({ symbols: ['eurusd', 'GBPUSD', 'GBPUSD'] });
  assert.deepEqual(summary(text), ['unknown_symbol "eurusd"', 'duplicate_symbol "GBPUSD"']);
  const fixed = afterFix(text, 'unknown_symbol', 'Replace with EURUSD', 'strategy.json');
  const deduplicated = afterFix(fixed, 'duplicate_symbol', 'Remove this GBPUSD', 'strategy.json');
  assert.deepEqual((JSON.parse(deduplicated) as typeof config).symbols, ['EURUSD', 'GBPUSD']);
  assert.deepEqual(summary(deduplicated), []);
});

test('fast must be below slow: the fix swaps them', () => {
  const text = strategy({ params: { fast: 200, slow: 50, quantity: 10000 } });
  const [found] = findingsOf(text, 'strategy.json');
  assert.equal(found.code, 'params_order');
  assert.equal(
    found.message,
    'params.fast (200) must be below params.slow (50): the fast average is the shorter one',
  );
  assert.deepEqual(
    summary(afterFix(text, 'params_order', 'Swap fast and slow', 'strategy.json')),
    [],
  );
  const named = strategy({ params: { fast_period: 30, slow_period: 30 } });
  assert.deepEqual(summary(named), ['params_order 30']);
});

test('risk limits that would refuse every order, a quantity off the step, a breaker too quick', () => {
  assert.deepEqual(summary(strategy({ risk: { max_position: 500 } })), ['risk_limit 500']);
  const below = findingsOf(strategy({ risk: { max_position: 5000 } }), 'strategy.json')[0];
  assert.equal(below.severity, 'warning');
  assert.match(below.message, /^risk.max_position 5000 is below params.quantity 10000/);
  assert.deepEqual(summary(strategy({ params: { fast: 5, slow: 20, quantity: 1000.5 } })), [
    'invalid_quantity 1000.5',
  ]);
  assert.deepEqual(summary(strategy({ risk: { circuit_breaker_latency_ms: 20 } })), [
    'risk_limit 20',
  ]);
});

test('the backtest range: inside the five years of data, not past the market clock', () => {
  const early = strategy({ backtest: { from: '2018-01-01', to: '2024-01-01' } });
  const [found] = findingsOf(early, 'strategy.json');
  assert.equal(found.code, 'backtest_range');
  assert.equal(
    found.message,
    'backtest.from is before the 5 years of market data, which start on 2019-03-06: move it to 2019-03-07 or later',
  );
  assert.deepEqual(
    summary(afterFix(early, 'backtest_range', 'Set from to "2019-03-07"', 'strategy.json')),
    [],
  );
  const late = findingsOf(
    strategy({ backtest: { from: '2024-01-01', to: '2024-06-01' } }),
    'strategy.json',
  );
  assert.deepEqual(
    late.map((each) => `${each.code} ${each.severity}`),
    ['backtest_range warning'],
  );
  assert.deepEqual(summary(strategy({ backtest: { from: '2024-02-01', to: '2024-01-01' } })), [
    'config_invalid "2024-01-01"',
  ]);
});

test('schema problems on the property, and left to the editor when it validates the schema itself', () => {
  const text = strategy({ interval: '2m', risk: { max_orders: 5 }, name: '' });
  assert.deepEqual(summary(text), [
    'config_invalid ""',
    'config_invalid "2m"',
    'config_invalid "max_orders"',
  ]);
  const messages = findingsOf(text, 'strategy.json').map((each) => each.message);
  assert.equal(messages[1], 'interval must be one of "1m", "5m", "15m", "30m", "1h", "4h", "1d"');
  assert.equal(
    messages[2],
    'max_orders is not a field of risk: did you mean max_orders_per_minute?',
  );
  assert.deepEqual(diagnose(documentOf(text, 'strategy.json'), context, { schema: false }), []);
  assert.deepEqual(summary('{"symbols": ["EURUSD"]}'), ['config_invalid {']);
  assert.deepEqual(summary('[1]'), ['config_invalid [1]']);
});

test('a config with no script beside it is a warning, when the folder is known', () => {
  const text = pretty(config);
  const document = documentOf(text, 'strategies/strategy.json');
  const alone = diagnose(document, context, { filesBeside: () => ['strategy.json', 'notes.md'] });
  assert.deepEqual(
    alone.map((each) => `${each.code} ${each.severity}`),
    ['script_missing warning'],
  );
  const beside = diagnose(document, context, { filesBeside: () => ['strategy.json', 'sma.py'] });
  assert.deepEqual(beside, []);
});
