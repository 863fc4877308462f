// Order payloads in *.order.json: each rule of the API reported once, on the exact property, in
// the API's words with how to fix it, and each quick fix leaves a payload the API accepts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterFix, codesOf, fieldOf, findingsOf, pretty, textAt, validOrder } from './support';

const order = (changes: Record<string, unknown>) => {
  const result: Record<string, unknown> = { ...validOrder, ...changes };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete result[key];
  return pretty(result);
};

test('a valid order, one or an array of them, has no finding', () => {
  assert.deepEqual(findingsOf(pretty(validOrder)), []);
  const market = { ...validOrder, order_type: 'market', limit_price: undefined };
  assert.deepEqual(findingsOf(pretty([validOrder, JSON.parse(JSON.stringify(market))])), []);
  assert.deepEqual(findingsOf('[]'), []);
});

test('a limit order without limit_price: on order_type, fixed at the current ask or as a market order', () => {
  const text = order({ limit_price: undefined, stop_loss: undefined, take_profit: undefined });
  const [found] = findingsOf(text);
  assert.equal(found.code, 'limit_price_required');
  assert.equal(textAt(text, found), '"limit"');
  assert.match(found.message, /^limit_price is required for a limit order: add a limit_price/);
  const added = afterFix(
    text,
    'limit_price_required',
    'Add limit_price at the current ask 1.11254',
  );
  assert.equal(fieldOf(added, 'limit_price'), 1.11254);
  assert.deepEqual(codesOf(added), []);
  const market = afterFix(text, 'limit_price_required', 'Make it a market order');
  assert.deepEqual(codesOf(market), []);
});

test('a sell limit order gets its limit_price at the bid', () => {
  const text = order({
    action: 'sell',
    limit_price: undefined,
    stop_loss: undefined,
    take_profit: undefined,
  });
  const fixed = afterFix(text, 'limit_price_required', /^Add limit_price/);
  assert.equal(fieldOf(fixed, 'limit_price'), 1.1125);
});

test('limit_price on a market order: the whole property, removed or the order made a limit order', () => {
  const text = order({ order_type: 'market', stop_loss: undefined, take_profit: undefined });
  const [found] = findingsOf(text);
  assert.equal(found.code, 'limit_price_forbidden');
  assert.equal(textAt(text, found), '"limit_price": 1.1');
  const removed = afterFix(text, 'limit_price_forbidden', 'Remove limit_price');
  assert.equal(fieldOf(removed, 'limit_price'), undefined);
  assert.deepEqual(codesOf(removed), []);
  assert.deepEqual(codesOf(afterFix(text, 'limit_price_forbidden', 'Make it a limit order')), []);
});

test('an unknown symbol names the nearest instruments and is replaced by one', () => {
  const text = order({ symbol: 'EURUDS' });
  const [found] = findingsOf(text);
  assert.equal(found.code, 'unknown_symbol');
  assert.equal(textAt(text, found), '"EURUDS"');
  assert.match(found.message, /^unknown symbol "EURUDS": did you mean EURUSD/);
  assert.deepEqual(codesOf(afterFix(text, 'unknown_symbol', 'Replace with EURUSD')), []);
  const lower = findingsOf(order({ symbol: 'eurusd' }));
  assert.equal(lower.length, 1);
  assert.deepEqual(
    lower[0].fixes.map((fix) => fix.title),
    ['Replace with EURUSD'],
  );
  const far = findingsOf(order({ symbol: 'QQQQQQQQQ' }))[0];
  assert.match(far.message, /not one of the 540 instruments/);
  assert.deepEqual(far.fixes, []);
});

test('quantity below the minimum or off the step, rounded by the fix', () => {
  const small = order({ quantity: 500 });
  const [below] = findingsOf(small);
  assert.equal(below.code, 'invalid_quantity');
  assert.equal(below.message, 'quantity 500 must be at least 1000 for EURUSD: raise it to 1000');
  assert.equal(
    fieldOf(afterFix(small, 'invalid_quantity', 'Set quantity to 1000'), 'quantity'),
    1000,
  );
  const off = order({
    symbol: 'US500',
    quantity: 1.25,
    limit_price: 5100,
    stop_loss: 5050,
    take_profit: 5200,
  });
  const [step] = findingsOf(off);
  assert.match(step.message, /^quantity 1.25 must be a multiple of 0.1 for US500/);
  assert.deepEqual(codesOf(afterFix(off, 'invalid_quantity', /^Set quantity to 1.3$/)), []);
});

test('prices off the tick grid, each rounded to it', () => {
  const text = order({ limit_price: 1.100004, take_profit: 1.1200001 });
  const found = findingsOf(text);
  assert.deepEqual(
    found.map((each) => each.code),
    ['invalid_price', 'invalid_price'],
  );
  assert.deepEqual(
    found.map((each) => textAt(text, each)),
    ['1.100004', '1.1200001'],
  );
  assert.match(
    found[0].message,
    /^limit_price 1.100004 must be a multiple of the tick size 0.00001 for EURUSD.*: round it to 1.1$/,
  );
});

test('a stop loss on the wrong side of a limit price is an error, moved to the right side', () => {
  const text = order({ stop_loss: 1.15 });
  const [found] = findingsOf(text);
  assert.equal(found.code, 'invalid_protection');
  assert.equal(found.severity, 'error');
  assert.equal(
    found.message,
    'stop_loss 1.15 must lie below the limit_price 1.1 for a buy: move it below 1.1',
  );
  const moved = afterFix(text, 'invalid_protection', /^Move stop_loss to 1.05 /);
  assert.deepEqual(codesOf(moved), []);
  const sell = order({ action: 'sell', stop_loss: 1.09, take_profit: 1.08 });
  assert.deepEqual(
    findingsOf(sell).map((each) => `${each.code} ${textAt(sell, each)}`),
    ['invalid_protection 1.09'],
  );
});

test("a market order's exits are checked against the current price, as a warning", () => {
  const text = order({
    order_type: 'market',
    limit_price: undefined,
    stop_loss: 1.12,
    take_profit: 1.13,
  });
  const [found] = findingsOf(text);
  assert.equal(found.severity, 'warning');
  assert.equal(
    found.message,
    'stop_loss 1.12 must lie below the current ask 1.11254 for a buy: move it below 1.11254',
  );
  assert.deepEqual(codesOf(afterFix(text, 'invalid_protection', /^Move stop_loss/)), []);
  const sell = order({
    action: 'sell',
    order_type: 'market',
    limit_price: undefined,
    stop_loss: 1.2,
    take_profit: 1.12,
  });
  assert.match(
    findingsOf(sell)[0].message,
    /^take_profit 1.12 must lie below the current bid 1.1125 for a sell/,
  );
});

test('unknown keys: renamed to the field meant, or removed', () => {
  const text = order({ limit_price: undefined, limitPrice: 1.1 });
  const found = findingsOf(text);
  assert.deepEqual(
    found.map((each) => each.code),
    ['unknown_field'],
  );
  assert.equal(
    found[0].message,
    'limitPrice is not a field of an order: did you mean limit_price?',
  );
  assert.deepEqual(codesOf(afterFix(text, 'unknown_field', 'Rename to limit_price')), []);
  const junk = order({ note: 'hello' });
  assert.match(
    findingsOf(junk)[0].message,
    /^note is not a field of an order: remove it \(an order has symbol, action/,
  );
  assert.deepEqual(codesOf(afterFix(junk, 'unknown_field', 'Remove note')), []);
});

test('missing fields: one finding on the opening brace, a fix to add each', () => {
  const text = '{\n  "symbol": "EURUSD",\n  "quantity": 1000\n}';
  const found = findingsOf(text);
  assert.equal(found.length, 1);
  assert.equal(textAt(text, found[0]), '{');
  assert.match(
    found[0].message,
    /^the order lacks action, order_type, time_in_force: add action \("buy" or "sell"\)/,
  );
  let fixed = afterFix(text, 'missing_field', 'Add action: "sell"');
  assert.equal(fixed, '{\n  "symbol": "EURUSD",\n  "quantity": 1000,\n  "action": "sell"\n}');
  fixed = afterFix(fixed, 'missing_field', 'Add order_type: "market"');
  fixed = afterFix(fixed, 'missing_field', 'Add time_in_force: "gtc"');
  assert.deepEqual(codesOf(fixed), []);
  assert.match(findingsOf('{}')[0].message, /^the order lacks every required field/);
  assert.equal(afterFix('{}', 'missing_field', 'Add action: "buy"'), '{"action": "buy"}');
});

test('wrong values: a choice names the choices and the nearest, a number in quotes is unquoted, null removed', () => {
  const choice = findingsOf(order({ time_in_force: 'GTD' }))[0];
  assert.equal(
    choice.message,
    'time_in_force must be "gtc" or "day" or "ioc": did you mean "gtc"?',
  );
  assert.equal(choice.fixes[0].title, 'Set time_in_force to "gtc"');
  assert.equal(choice.fixes[0].preferred, true);
  const quoted = order({ quantity: '10000' });
  assert.equal(
    findingsOf(quoted)[0].message,
    'quantity must be a number, not a string: write 10000 without quotes',
  );
  assert.deepEqual(codesOf(afterFix(quoted, 'invalid_value', 'Write 10000 as a number')), []);
  const nulled = order({ take_profit: null });
  assert.deepEqual(codesOf(afterFix(nulled, 'invalid_value', 'Remove take_profit')), []);
  assert.equal(
    findingsOf(order({ quantity: [1] }))[0].message,
    'quantity must be a number, not an array',
  );
  assert.equal(findingsOf(order({ quantity: -5 }))[0].message, 'quantity must be greater than 0');
});

test('a field given twice: a warning on the one that does not count', () => {
  const text =
    '{"symbol": "GBPUSD", "symbol": "EURUSD", "action": "buy", "quantity": 1000, "order_type": "market", "time_in_force": "gtc"}';
  const found = findingsOf(text);
  assert.deepEqual(
    found.map((each) => `${each.code} ${each.severity} ${textAt(text, each)}`),
    ['duplicate_field warning "symbol"'],
  );
  assert.deepEqual(codesOf(afterFix(text, 'duplicate_field', 'Remove this symbol')), []);
});

test('the file itself: not an order, array items that are not orders, syntax errors capped', () => {
  assert.deepEqual(codesOf('"EURUSD"'), ['not_an_order']);
  assert.deepEqual(codesOf(`[${pretty(validOrder)}, 3, null]`), ['not_an_order', 'not_an_order']);
  const broken = findingsOf('{"symbol": "EURUSD", "action": "buy" "quantity": 1000');
  assert.ok(broken.some((each) => each.code === 'json_syntax'));
  const garbage = findingsOf(`[${'{x} '.repeat(100)}`);
  assert.equal(garbage.filter((each) => each.code === 'json_syntax').length, 5);
  assert.deepEqual(codesOf('{"symbol": "EURUSD" "action"', undefined, { syntax: false }), [
    'missing_field',
  ]);
});

test('a half-typed property is present but not yet checked', () => {
  const text =
    '{"symbol": "EURUSD", "action": "buy", "quantity": 1000, "order_type": "market", "time_in_force": ';
  assert.deepEqual(codesOf(text, undefined, { syntax: false }), []);
});
