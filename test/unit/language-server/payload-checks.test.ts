// The checks on payloads as the inline extractor will give them (SDK calls, Python dicts,
// TypeScript objects): computed values are never guessed at, implied fields count as present, an
// open literal is not said to lack anything, and quick fixes are written in the source's style.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyEdits, quickFixes } from '../../../language-server/service/code-actions';
import type { Payload, PayloadField, PayloadValue } from '../../../language-server/service/payload';
import { checkPayloads } from '../../../language-server/service/validate';
import { context, documentOf } from './support';

/** A payload over one line of `text`, each field located by its written key and value text. */
function payloadIn(
  text: string,
  fields: [written: string, name: string, valueText: string, value: PayloadValue][],
  extra: Partial<Payload> = {},
): Payload {
  const at = (needle: string, from = 0) => {
    const index = text.indexOf(needle, from);
    assert.ok(index >= 0, `"${needle}" not in ${text}`);
    return index;
  };
  const range = (start: number, length: number) => ({
    start: { line: 0, character: start },
    end: { line: 0, character: start + length },
  });
  const located = fields.map(([written, name, valueText, value]): PayloadField => {
    const key = at(written);
    const valueAt = at(valueText, key);
    return {
      name,
      written: written.replace(/^["']|["']$/g, ''),
      keyRange: range(key, written.length),
      value,
      valueRange: range(valueAt, valueText.length),
    };
  });
  return {
    source: 'sdk-call',
    range: range(0, text.length),
    fields: located,
    implied: {},
    open: false,
    ...extra,
  };
}

const number = (value: number): PayloadValue => ({ kind: 'number', value, text: String(value) });
const string = (value: string): PayloadValue => ({ kind: 'string', value });
const dynamic: PayloadValue = { kind: 'dynamic' };

test('computed values are not checked, and implied fields count as present', () => {
  const text = 'ctx.buy(symbol, size, stop_loss=stop)';
  const payload = payloadIn(
    text,
    [
      ['symbol', 'symbol', 'symbol', dynamic],
      ['size', 'quantity', 'size', dynamic],
      ['stop_loss', 'stop_loss', 'stop', dynamic],
    ],
    {
      implied: {
        action: string('buy'),
        order_type: string('market'),
        time_in_force: string('gtc'),
      },
    },
  );
  assert.deepEqual(checkPayloads([payload], context), []);
});

test("an SDK call's literal arguments are checked on the argument itself", () => {
  const text = "ctx.sell('EURUSX', 150.5, stop_loss=1.0)";
  const payload = payloadIn(
    text,
    [
      ["'EURUSX'", 'symbol', "'EURUSX'", string('EURUSX')],
      ['150.5', 'quantity', '150.5', number(150.5)],
      ['stop_loss', 'stop_loss', '1.0', number(1)],
    ],
    {
      implied: {
        action: string('sell'),
        order_type: string('market'),
        time_in_force: string('gtc'),
      },
      insert: { at: { line: 0, character: text.length - 1 }, style: 'python-kwargs' },
    },
  );
  const [found] = checkPayloads([payload], context);
  assert.equal(found.code, 'unknown_symbol');
  const document = documentOf(text, 'strategy.py', 'python');
  const [fix] = quickFixes(document, [found], found.range);
  // The replacement keeps the single quotes the code uses.
  assert.equal(applyEdits(document, fix.edits), "ctx.sell('EURUSD', 150.5, stop_loss=1.0)");
  const fixedPayload = payloadIn(
    text,
    [
      ["'EURUSX'", 'symbol', "'EURUSX'", string('EURUSD')],
      ['150.5', 'quantity', '150.5', number(150.5)],
      ['stop_loss', 'stop_loss', '1.0', number(1)],
    ],
    { implied: payload.implied },
  );
  assert.deepEqual(
    checkPayloads([fixedPayload], context).map(
      (each) => `${each.code} ${document.getText(each.range)}`,
    ),
    ['invalid_quantity 150.5', 'invalid_protection 1.0'],
  );
});

test('an open literal (**extra, ...spread) is not said to lack anything; unknown keys still are', () => {
  const text = '{"symbol": "EURUSD", "qty": 1000, **extra}';
  const payload = payloadIn(
    text,
    [
      ['"symbol"', 'symbol', '"EURUSD"', string('EURUSD')],
      ['"qty"', 'qty', '1000', number(1000)],
    ],
    { source: 'http-body', open: true },
  );
  assert.deepEqual(
    checkPayloads([payload], context).map((each) => each.message),
    [
      'qty is not a field of an order: remove it (an order has symbol, action, quantity, order_type, limit_price, stop_loss, take_profit, time_in_force, client_order_id)',
    ],
  );
});

test('fields are added and renamed as the source writes them: kwargs, camelCase objects', () => {
  const kwargs =
    'place(symbol="EURUSD", action="buy", quantity=1000, order_type="limit", time_in_force="gtc")';
  const payload = payloadIn(
    kwargs,
    [
      ['symbol', 'symbol', '"EURUSD"', string('EURUSD')],
      ['action', 'action', '"buy"', string('buy')],
      ['quantity', 'quantity', '1000', number(1000)],
      ['order_type', 'order_type', '"limit"', string('limit')],
      ['time_in_force', 'time_in_force', '"gtc"', string('gtc')],
    ],
    { insert: { at: { line: 0, character: kwargs.length - 1 }, style: 'python-kwargs' } },
  );
  const [found] = checkPayloads([payload], context);
  const document = documentOf(kwargs, 'strategy.py', 'python');
  const [add] = quickFixes(document, [found], found.range);
  assert.equal(
    applyEdits(document, add.edits),
    'place(symbol="EURUSD", action="buy", quantity=1000, order_type="limit", time_in_force="gtc", limit_price=1.11254)',
  );
  const object = 'ctx.buy("EURUSD", 1000, { stopLoss: 1.1, takeProfitt: 1.2 })';
  const tsPayload = payloadIn(
    object,
    [
      ['"EURUSD"', 'symbol', '"EURUSD"', string('EURUSD')],
      ['1000', 'quantity', '1000', number(1000)],
      ['stopLoss', 'stop_loss', '1.1', number(1.1)],
      ['takeProfitt', 'takeProfitt', '1.2', number(1.2)],
    ],
    {
      implied: {
        action: string('buy'),
        order_type: string('market'),
        time_in_force: string('gtc'),
      },
      insert: { at: { line: 0, character: object.length - 3 }, style: 'ts-object' },
    },
  );
  const tsDocument = documentOf(object, 'strategy.ts', 'typescript');
  const unknown = checkPayloads([tsPayload], context).find((each) => each.code === 'unknown_field');
  assert.ok(unknown);
  const rename = quickFixes(tsDocument, [unknown], unknown.range).find(
    (fix) => fix.title === 'Rename to take_profit',
  );
  assert.ok(rename);
  assert.equal(
    applyEdits(tsDocument, rename.edits),
    'ctx.buy("EURUSD", 1000, { stopLoss: 1.1, takeProfit: 1.2 })',
  );
});
