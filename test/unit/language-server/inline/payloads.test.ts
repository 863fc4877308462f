import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { inlinePayloads, isInlineLanguage } from '../../../../language-server/service/inline/index';
import type { Seen } from './expect';
import { corpus, documentOf, seen } from './expect';
import { pythonOrders, typescriptOrders } from './expected-corpus';

async function seenIn(document: TextDocument): Promise<Seen[]> {
  return (await inlinePayloads(document)).map((payload) => seen(document, payload));
}

test('look-alikes in Python are not payloads: dicts with a symbol, headers, configs, GETs, other paths, other buy methods', async () => {
  assert.deepEqual(await seenIn(corpus('clean.py')), []);
});

test('look-alikes in TypeScript are not payloads', async () => {
  assert.deepEqual(await seenIn(corpus('clean.ts.txt')), []);
});

test('every Python way of writing an order is found, with exact ranges and values', async () => {
  assert.deepEqual(await seenIn(corpus('orders.py')), pythonOrders);
});

test('every TypeScript way of writing an order is found, with exact ranges and values', async () => {
  assert.deepEqual(await seenIn(corpus('orders.ts.txt')), typescriptOrders);
});

function example(path: string): TextDocument {
  const url = new URL(`../../../../examples/${path}`, import.meta.url);
  const languageId = path.endsWith('.py') ? 'python' : 'typescript';
  return TextDocument.create(url.href, languageId, 1, readFileSync(url, 'utf8'));
}

const marketDefaults = { order_type: 'market', time_in_force: 'gtc' };

test('the SMA crossover twins: one buy and one sell, symbol and quantity computed', async () => {
  for (const [path, buy, sell] of [
    [
      'sma-crossover/sma_crossover.py',
      'ctx.buy(symbol, target - position)',
      'ctx.sell(symbol, position - target)',
    ],
    [
      'sma-crossover/sma_crossover.ts',
      'ctx.buy(symbol, target - position)',
      'ctx.sell(symbol, position - target)',
    ],
  ]) {
    const found = await seenIn(example(path));
    assert.deepEqual(
      found.map(({ source, text, open, implied, fields }) => ({
        source,
        text,
        open,
        implied,
        fields,
      })),
      [
        {
          source: 'sdk-call',
          text: buy,
          open: false,
          implied: { action: 'buy', ...marketDefaults },
          fields: [
            ['symbol', 'symbol', 'symbol', undefined],
            ['quantity', 'target - position', 'target - position', undefined],
          ],
        },
        {
          source: 'sdk-call',
          text: sell,
          open: false,
          implied: { action: 'sell', ...marketDefaults },
          fields: [
            ['symbol', 'symbol', 'symbol', undefined],
            ['quantity', 'position - target', 'position - target', undefined],
          ],
        },
      ],
      path,
    );
  }
});

test('the volatility breakout: Python passes its exits as keywords, TypeScript as an options parameter', async () => {
  const python = await seenIn(example('volatility-breakout/volatility_breakout.py'));
  assert.deepEqual(
    python.map((each) => [each.source, each.open, each.fields.map((field) => field[0])]),
    [
      ['sdk-call', false, ['symbol', 'quantity', 'stop_loss', 'take_profit']],
      ['sdk-call', false, ['symbol', 'quantity', 'stop_loss', 'take_profit']],
    ],
  );
  assert.deepEqual(python[0].insert, ['python-kwargs', 'api', 'take_profit=take_profit']);
  // `exits` is a parameter: what it holds is unknown, so the call is open and nothing implied.
  const typescript = await seenIn(example('volatility-breakout/volatility_breakout.ts'));
  assert.deepEqual(
    typescript.map((each) => [each.text, each.open, each.implied]),
    [
      [
        'ctx.buy(symbol, quantity, exits)',
        true,
        { action: 'buy', order_type: undefined, time_in_force: undefined },
      ],
      [
        'ctx.sell(symbol, quantity, exits)',
        true,
        { action: 'sell', order_type: undefined, time_in_force: undefined },
      ],
    ],
  );
  assert.equal(typescript[0].insert, undefined);
});

test('the raw urllib example: the body its call helper posts to "/orders"', async () => {
  const [order, ...rest] = await seenIn(example('raw/raw_urllib.py'));
  assert.deepEqual(rest, []);
  assert.equal(order.source, 'http-body');
  assert.deepEqual(
    order.fields.map(([name, , , value]) => [name, value]),
    [
      ['symbol', 'EURUSD'],
      ['action', 'buy'],
      ['quantity', 1000],
      ['order_type', 'market'],
      ['time_in_force', 'gtc'],
    ],
  );
  assert.deepEqual(order.insert, ['python-dict', 'api', '"time_in_force": "gtc"']);
});

test('positions are LSP positions: zero-based lines, UTF-16 characters', async () => {
  const document = documentOf('python', 'x = 1\nnote = "é😀"; ctx.buy("EURUSD", 1)\n');
  const [payload] = await inlinePayloads(document);
  assert.deepEqual(payload.range, {
    start: { line: 1, character: 14 },
    end: { line: 1, character: 34 },
  });
  assert.deepEqual(payload.fields[0].keyRange, {
    start: { line: 1, character: 22 },
    end: { line: 1, character: 30 },
  });
  assert.deepEqual(payload.insert?.at, { line: 1, character: 33 });
});

test('JavaScript and JSX are read like TypeScript; other languages have no inline payloads', async () => {
  const source = [
    "const view = <Order symbol='EURUSD' />;",
    "ctx.buy('EURUSD', 1000, { stopLoss: 1.05 });",
  ].join('\n');
  for (const languageId of ['javascript', 'javascriptreact', 'typescriptreact']) {
    const found = await seenIn(documentOf(languageId, source));
    assert.deepEqual(
      found.map((each) => [each.text, each.fields.map((field) => field[0])]),
      [["ctx.buy('EURUSD', 1000, { stopLoss: 1.05 })", ['symbol', 'quantity', 'stop_loss']]],
      languageId,
    );
  }
  assert.deepEqual(await inlinePayloads(documentOf('json', '{"symbol": "EURUSD"}')), []);
  assert.equal(isInlineLanguage('python'), true);
  assert.equal(isInlineLanguage('go'), false);
});

test('only literals are values: escapes, bases and signs read; anything computed is dynamic', async () => {
  const source = [
    'requests.post(URL + "/orders", json={',
    '    "a": "t\\u00e9\\x41\\n", "b": 0x1F, "c": -1_5.5, "d": +2, "e": 1j, "f": True,',
    '    "g": None, "h": f"{x}", "i": f"{{}}", "j": b"x", "k": [1], "l": x or 1, "m": (7),',
    '    "n": 1e-3, "o": """long""", "p": "a" r"\\d",',
    '})',
  ].join('\n');
  const [payload] = await seenIn(documentOf('python', source));
  assert.deepEqual(
    payload.fields.map(([name, , , value]) => [name, value]),
    [
      ['a', 'téA\n'],
      ['b', 31],
      ['c', -15.5],
      ['d', 2],
      ['e', undefined],
      ['f', true],
      ['g', null],
      ['h', undefined],
      ['i', '{}'],
      ['j', undefined],
      ['k', undefined],
      ['l', undefined],
      ['m', 7],
      ['n', 0.001],
      ['o', 'long'],
      ['p', 'a\\d'],
    ],
  );
  const script = [
    "fetch(base + '/orders', { method: 'POST', body: JSON.stringify({",
    "  a: 'x\\ty', b: 0b101, c: -0.5, d: 10n, e: `t${x}`, f: `plain`, g: null, h: undefined,",
    "  i: false, j: (3 as number), k: 5!, 'l-m': 1, 2: 'two', [`n`]: 4, [key]: 5,",
    '}) });',
  ].join('\n');
  const [object] = await inlinePayloads(documentOf('typescript', script));
  assert.equal(object.open, true, 'a computed key may be any field');
  assert.deepEqual(
    object.fields.map((field) => [field.name, field.value]),
    [
      ['a', { kind: 'string', value: 'x\ty' }],
      ['b', { kind: 'number', value: 5, text: '0b101' }],
      ['c', { kind: 'number', value: -0.5, text: '-0.5' }],
      ['d', { kind: 'dynamic' }],
      ['e', { kind: 'dynamic' }],
      ['f', { kind: 'string', value: 'plain' }],
      ['g', { kind: 'null' }],
      ['h', { kind: 'dynamic' }],
      ['i', { kind: 'boolean', value: false }],
      ['j', { kind: 'number', value: 3, text: '3' }],
      ['k', { kind: 'number', value: 5, text: '5' }],
      ['l-m', { kind: 'number', value: 1, text: '1' }],
      ['2', { kind: 'string', value: 'two' }],
      ['n', { kind: 'number', value: 4, text: '4' }],
    ],
  );
});
