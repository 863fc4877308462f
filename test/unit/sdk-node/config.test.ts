import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  loadStrategyConfig,
  parseBacktestSpec,
  readConnection,
  strategyConfigPath,
} from '../../../sdk/node/src/config';
import { ConfigError } from '../../../sdk/node/src/errors';

const dir = mkdtempSync(join(tmpdir(), 'sdk-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

test('a valid config gets its defaults', () => {
  const path = configFile('ok.json', JSON.stringify({ name: 'x', symbols: ['EURUSD'] }));
  const config = loadStrategyConfig(path);
  assert.equal(config.interval, '1m');
  assert.equal(config.risk.max_orders_per_minute, 120);
  assert.equal(config.risk.circuit_breaker_latency_ms, 1000);
});

test('errors name the file and every offending field', () => {
  const path = configFile(
    'bad.json',
    JSON.stringify({
      name: 'x',
      symbols: ['eurusd'],
      interval: '2m',
      risk: { max_position: -1, surprise: 1 },
    }),
  );
  assert.throws(
    () => loadStrategyConfig(path),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.ok(error.message.startsWith(`${path}: `), error.message);
      assert.match(error.message, /symbols\.0: must be 2 to 16 upper-case/);
      assert.match(error.message, /interval: /);
      assert.match(error.message, /risk\.max_position: /);
      assert.match(error.message, /risk\.surprise is not a recognised field/);
      return true;
    },
  );
});

test('a backtest range must run forwards, and dates are read', () => {
  const path = configFile(
    'range.json',
    JSON.stringify({
      name: 'x',
      symbols: ['EURUSD'],
      backtest: { from: '2024-03-10', to: '2024-03-01' },
    }),
  );
  assert.throws(() => loadStrategyConfig(path), /backtest\.to: must be after from/);
});

test('broken JSON and a missing file say so', () => {
  assert.throws(
    () => loadStrategyConfig(configFile('broken.json', '{"name":')),
    /broken\.json is not valid JSON/,
  );
  assert.throws(
    () => loadStrategyConfig(join(dir, 'none.json')),
    /cannot read the strategy config .*none\.json/,
  );
});

test('the config is TIMBER_STRATEGY_CONFIG, else strategy.json beside the script', () => {
  const named = configFile('named.json', '{}');
  assert.equal(strategyConfigPath({ TIMBER_STRATEGY_CONFIG: named }, undefined), named);
  const beside = configFile('strategy.json', '{}');
  assert.equal(strategyConfigPath({}, join(dir, 'script.ts')), beside);
  assert.throws(
    () => strategyConfigPath({}, join(tmpdir(), 'nowhere', 'x.ts')),
    /TIMBER_STRATEGY_CONFIG/,
  );
});

test('TIMBER_BACKTEST is checked field by field', () => {
  const spec = parseBacktestSpec('{"symbols":["EURUSD"],"interval":"1m","from":1,"to":2}');
  assert.equal(spec.balance, 100_000);
  assert.throws(
    () => parseBacktestSpec('{"symbols":[],"interval":"1m","from":3,"to":2}'),
    /symbols.*to: must be after from/s,
  );
  assert.throws(() => parseBacktestSpec('nope'), /TIMBER_BACKTEST is not JSON/);
});

test('a missing connection variable is named', () => {
  assert.throws(
    () => readConnection({ TIMBER_BASE_URL: 'http://x' }),
    /TIMBER_API_KEY_ID, TIMBER_API_SECRET are not set/,
  );
  const connection = readConnection({
    TIMBER_BASE_URL: 'http://127.0.0.1:9/sessions/s1/',
    TIMBER_API_KEY_ID: 'k',
    TIMBER_API_SECRET: 's',
  });
  assert.equal(connection.baseUrl, 'http://127.0.0.1:9/sessions/s1');
  assert.equal(connection.streamUrl, 'ws://127.0.0.1:9/sessions/s1/stream');
});
