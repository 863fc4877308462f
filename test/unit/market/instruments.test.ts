import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Instrument } from '../../../api/market';
import {
  instrumentBySymbol,
  instruments,
  usdConversion,
} from '../../../sandbox/market/instruments';
import { instrument } from './fixtures';

test('the universe has at least 500 instruments with unique symbols', () => {
  assert.ok(instruments.length >= 500, `only ${instruments.length} instruments`);
  const symbols = new Set(instruments.map((i) => i.symbol));
  assert.equal(symbols.size, instruments.length);
});

test('every instrument passes the contract schema', () => {
  for (const item of instruments) {
    const parsed = Instrument.safeParse(item);
    assert.ok(parsed.success, `${item.symbol}: ${parsed.error?.message}`);
  }
});

test('all three kinds are present with the well-known names', () => {
  const kinds = new Map<string, number>();
  for (const item of instruments) kinds.set(item.kind, (kinds.get(item.kind) ?? 0) + 1);
  assert.ok((kinds.get('forex') ?? 0) >= 300);
  assert.ok((kinds.get('index') ?? 0) >= 15);
  assert.ok((kinds.get('commodity') ?? 0) >= 20);
  for (const symbol of [
    'EURUSD',
    'USDJPY',
    'GBPUSD',
    'EURGBP',
    'USDTRY',
    'USDZAR',
    'US500',
    'US30',
    'NAS100',
    'DE40',
    'UK100',
    'JP225',
    'FRA40',
    'EU50',
    'AUS200',
    'HK50',
    'XAUUSD',
    'XAGUSD',
    'XPTUSD',
    'XPDUSD',
    'USOIL',
    'UKOIL',
    'NATGAS',
    'COPPER',
    'CORN',
    'WHEAT',
    'SOYBEAN',
    'COFFEE',
    'SUGAR',
    'COCOA',
    'COTTON',
  ]) {
    assert.ok(instrumentBySymbol(symbol), `${symbol} is missing`);
  }
  assert.equal(instrumentBySymbol('NOPE'), undefined);
});

test('tick sizes and quantities follow market conventions', () => {
  assert.equal(instrument('EURUSD').tick_size, 0.00001);
  assert.equal(instrument('USDJPY').tick_size, 0.001);
  assert.equal(instrument('XAUUSD').tick_size, 0.01);
  assert.equal(instrument('US30').tick_size, 1);
  assert.equal(instrument('EURUSD').min_quantity, 1000);
  for (const item of instruments) {
    const ratio = item.min_quantity / item.quantity_step;
    assert.ok(Math.abs(ratio - Math.round(ratio)) < 1e-9, `${item.symbol} min is off its step`);
  }
});

test('margin rates grade by kind and liquidity', () => {
  assert.equal(instrument('EURUSD').margin_rate, 0.0333);
  assert.ok(instrument('USDTRY').margin_rate > instrument('EURUSD').margin_rate);
  assert.equal(instrument('US500').margin_rate, 0.05);
  assert.equal(instrument('USOIL').margin_rate, 0.1);
});

test('trading hours: forex 24/5, indices with a daily break, grains with shorter sessions', () => {
  assert.deepEqual(instrument('EURUSD').trading_hours.sessions, [
    { open: 'Sun 22:00', close: 'Fri 22:00' },
  ]);
  const us500 = instrument('US500').trading_hours.sessions;
  assert.equal(us500.length, 5);
  assert.deepEqual(us500[0], { open: 'Sun 23:00', close: 'Mon 22:00' });
  const corn = instrument('CORN').trading_hours.sessions;
  assert.ok(corn.length >= 5 && corn.every((s) => s.open.slice(0, 3) === s.close.slice(0, 3)));
});

test('every quote currency converts to US dollars through the universe', () => {
  const currencies = new Set(instruments.map((i) => i.quote_currency));
  assert.ok(currencies.size > 20);
  for (const currency of currencies) {
    const conversion = usdConversion(currency);
    assert.ok(conversion, `${currency} cannot be converted`);
    if (conversion.type === 'identity') {
      assert.equal(currency, 'USD');
      continue;
    }
    const pair = instrumentBySymbol(conversion.symbol);
    assert.ok(pair, `${conversion.symbol} is not listed`);
    if (conversion.type === 'multiply') {
      assert.equal(pair.base, currency);
      assert.equal(pair.quote_currency, 'USD');
    } else {
      assert.equal(pair.base, 'USD');
      assert.equal(pair.quote_currency, currency);
    }
  }
  assert.deepEqual(usdConversion('GBP'), { type: 'multiply', symbol: 'GBPUSD' });
  assert.deepEqual(usdConversion('JPY'), { type: 'divide', symbol: 'USDJPY' });
  assert.equal(usdConversion('XYZ'), undefined);
});
