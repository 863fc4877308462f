// Completion, hover and code lenses in order files and strategy configs. A `|` in a text marks
// the cursor.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { completionsAt, hoverAt, lensesOf } from '../../../language-server/service/assist';
import { applyEdits } from '../../../language-server/service/code-actions';
import { context, documentOf, pretty, validOrder } from './support';

function at(marked: string, name = 'orders.order.json') {
  const offset = marked.indexOf('|');
  const document = documentOf(marked.replace('|', ''), name);
  return { document, position: document.positionAt(offset) };
}

const complete = (marked: string, name?: string) => {
  const { document, position } = at(marked, name);
  return { document, items: completionsAt(document, position, context) };
};

test('keys: the fields the order lacks, required first, as snippets', () => {
  const { items } = complete('{"symbol": "EURUSD", |}');
  const labels = items.map((each) => each.label);
  assert.ok(!labels.includes('symbol'));
  assert.deepEqual(labels.slice(0, 4), ['action', 'quantity', 'order_type', 'time_in_force']);
  const orderType = items.find((each) => each.label === 'order_type');
  assert.equal(orderType?.insertText, '"order_type": "${1|market,limit|}"');
  assert.match(orderType?.documentation ?? '', /`market` fills at the current price/);
});

test('a key being typed is replaced, in an order of an array too', () => {
  const { document, items } = complete('[{}, {"symbol": "EURUSD", "act|": 1}]');
  const action = items.find((each) => each.label === 'action');
  assert.ok(action);
  assert.equal(document.getText(action.range), '"act"');
});

test('values: symbols of the environment, choices, the current price, the minimum quantity', () => {
  const symbols = complete('{"symbol": "EU|"}');
  assert.equal(symbols.items.length, 540);
  const eurusd = symbols.items.find((each) => each.label === 'EURUSD');
  assert.equal(eurusd?.insertText, '"EURUSD"');
  assert.equal(eurusd?.detail, 'Euro / US Dollar · tick 0.00001 · min 1000');
  assert.equal(
    applyEdits(symbols.document, [{ range: eurusd.range, newText: eurusd.insertText }]),
    '{"symbol": "EURUSD"}',
  );
  assert.deepEqual(
    complete('{"action": |}').items.map((each) => each.insertText),
    ['"buy"', '"sell"'],
  );
  assert.deepEqual(
    complete('{"time_in_force": "|"}').items.map((each) => each.label),
    ['gtc', 'day', 'ioc'],
  );
  const price = complete('{"symbol": "EURUSD", "action": "sell", "limit_price": |}').items;
  assert.deepEqual(
    price.map((each) => `${each.label} ${each.detail}`),
    ['1.1125 the current bid of EURUSD', '1.11254 the current ask of EURUSD'],
  );
  assert.deepEqual(
    complete('{"symbol": "EURUSD", "quantity": |}').items.map((each) => each.label),
    ['1000'],
  );
  assert.deepEqual(complete('{"client_order_id": |}').items, []);
});

test('in a long array, completion reads only the order at the cursor, closed or half-typed', () => {
  const orders = Array.from({ length: 50 }, () => validOrder);
  const body = JSON.stringify(orders).slice(0, -1);
  const half = complete(`${body}, {"symbol": "GBPUSD", "action": "sell", "limit_price": |`).items;
  assert.deepEqual(
    half.map((each) => each.detail),
    ['the current bid of GBPUSD', 'the current ask of GBPUSD'],
  );
  const inside = complete(`${body}, {"symbol": "GBPUSD", | "action": "sell"}]`).items;
  assert.ok(!inside.some((each) => each.label === 'symbol' || each.label === 'action'));
  assert.ok(inside.some((each) => each.label === 'quantity'));
  assert.deepEqual(complete(`${body}|]`).items, []);
});

test('an empty order file offers a whole order', () => {
  const { items } = complete('|');
  assert.deepEqual(
    items.map((each) => each.label),
    ['market order', 'limit order'],
  );
  assert.ok(items.every((each) => each.snippet === true));
});

test('hover: a field with the numbers of its instrument, a symbol with its hours and quote', () => {
  const text = pretty(validOrder);
  const hoverOn = (needle: string, shift = 1) => {
    const document = documentOf(text);
    return hoverAt(document, document.positionAt(text.indexOf(needle) + shift), context);
  };
  const quantity = hoverOn('"quantity"');
  assert.match(quantity?.contents ?? '', /^\*\*quantity\*\* \(required\)/);
  assert.match(quantity?.contents ?? '', /EURUSD: at least 1000, in steps of 1\./);
  const limit = hoverOn('1.1,', 0);
  assert.match(
    limit?.contents ?? '',
    /prices on a tick of 0.00001\. Now: bid 1.1125, ask 1.11254\./,
  );
  const symbol = hoverOn('"EURUSD"');
  assert.match(symbol?.contents ?? '', /^\*\*EURUSD\*\*: Euro \/ US Dollar \(forex\)/);
  assert.match(
    symbol?.contents ?? '',
    /trading hours: 24 hours a day from Sunday 22:00 to Friday 22:00 UTC/,
  );
  assert.match(symbol?.contents ?? '', /open now \(2024-03-06 12:00 UTC\)/);
  assert.equal(hoverOn('{', 0), undefined);
});

test('a closed market says when it opens', () => {
  const document = documentOf('{"symbol": "EURUSD"}');
  const saturday = { ...context, now: Date.parse('2024-03-09T12:00:00Z') };
  const hover = hoverAt(document, { line: 0, character: 13 }, saturday);
  assert.match(hover?.contents ?? '', /closed now; opens 2024-03-10 22:00 UTC/);
});

test('a lens on each order sends its JSON body', () => {
  const text = pretty([validOrder, { ...validOrder, symbol: 'GBPUSD' }]);
  const lenses = lensesOf(documentOf(text));
  assert.deepEqual(
    lenses.map((each) => each.range.start.line),
    [1, 11],
  );
  assert.equal(lenses[0].command, 'timber.orders.send');
  assert.equal(lenses[0].title, 'Send to sandbox');
  assert.deepEqual(JSON.parse(lenses[1].arguments[0]), { ...validOrder, symbol: 'GBPUSD' });
  assert.deepEqual(lensesOf(documentOf(text, 'strategy.json')), []);
});

test('strategy configs: keys with their docs, symbols not yet listed, intervals; hovers', () => {
  const config = (marked: string) => complete(marked, 'strategy.json').items;
  const keys = config('{"name": "x", |}').map((each) => each.label);
  assert.deepEqual(keys, ['description', 'symbols', 'interval', 'params', 'risk', 'backtest']);
  assert.ok(config('{"risk": {|}}').some((each) => each.label === 'max_position'));
  const symbols = config('{"symbols": ["EURUSD", "GB|"]}');
  assert.equal(symbols.length, 539);
  assert.ok(!symbols.some((each) => each.label === 'EURUSD'));
  assert.deepEqual(
    config('{"interval": |}').map((each) => each.label),
    ['1m', '5m', '15m', '30m', '1h', '4h', '1d'],
  );
  const text =
    '{"name": "x", "symbols": ["EURUSD"], "risk": {"max_position": 1}, "backtest": {"from": "2024-01-02", "to": 1704240000000}}';
  const document = documentOf(text, 'strategy.json');
  const hover = (needle: string) =>
    hoverAt(document, document.positionAt(text.indexOf(needle) + 1), context)?.contents;
  assert.match(
    hover('"max_position"') ?? '',
    /^\*\*risk.max_position\*\*\n\nLargest absolute position/,
  );
  assert.match(hover('"EURUSD"') ?? '', /^\*\*EURUSD\*\*/);
  assert.match(
    hover('"2024-01-02"') ?? '',
    /^`2024-01-02T00:00:00.000Z` \(1704153600000 ms\)\n\nMarket data reaches from 2019-03-06/,
  );
});
