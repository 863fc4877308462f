import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { InlineContext } from '../../../../language-server/service/inline/index';
import { InlineDocuments, inlineContextAt } from '../../../../language-server/service/inline/index';
import type { Range } from '../../../../language-server/service/payload';
import { corpus, documentOf } from './expect';

/** The text with `|` where the cursor is. */
function cursorIn(languageId: string, marked: string): { document: TextDocument; offset: number } {
  const offset = marked.indexOf('|');
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  return { document: documentOf(languageId, text), offset };
}

/** The context as a line: source, key or value, name, the text replaced, quote, style, present. */
function summary(document: TextDocument, found: InlineContext | undefined): string {
  if (found === undefined) return 'none';
  return [
    found.payload.source,
    found.at,
    found.name ?? '-',
    JSON.stringify(document.getText(found.replace)),
    found.quote ?? '-',
    `${found.style}/${found.naming}`,
    found.present.join(',') || '-',
  ].join(' ');
}

const python: [string, string][] = [
  // Dict keys: typed, empty, a value being typed, after a key, a new entry, an empty dict.
  [
    'requests.post(URL + "/orders", json={"symbol": "EURUSD", "li|"})',
    'http-body key li "li" " python-dict/api symbol',
  ],
  [
    'requests.post(URL + "/orders", json={"symbol": "EURUSD", "|"})',
    'http-body key  "" " python-dict/api symbol',
  ],
  [
    'requests.post(URL + "/orders", json={"symbol": "EU|"})',
    'http-body value symbol "EU" " python-dict/api symbol',
  ],
  [
    'requests.post(URL + "/orders", json={"symbol": "EURUSD", "limit_price": |})',
    'http-body value limit_price "" - python-dict/api symbol,limit_price',
  ],
  [
    'requests.post(URL + "/orders", json={"symbol": "EURUSD", |})',
    'http-body key - "" - python-dict/api symbol',
  ],
  ['requests.post(URL + "/orders", json={|})', 'http-body key - "" - python-dict/api -'],
  // SDK keywords, and the positional symbol and quantity.
  ['ctx.buy("EURUSD", 1000, |)', 'sdk-call key - "" - python-kwargs/api symbol,quantity'],
  ['ctx.buy("EURUSD", 1000, st|)', 'sdk-call key - "st" - python-kwargs/api symbol,quantity'],
  [
    'ctx.buy("EURUSD", 1000, stop_loss=|)',
    'sdk-call value stop_loss "" - python-kwargs/api symbol,quantity,stop_loss',
  ],
  [
    'ctx.buy("EURUSD", 1000, stop_l|oss=1.0)',
    'sdk-call key stop_loss "stop_loss" - python-kwargs/api symbol,quantity',
  ],
  ['ctx.buy(|)', 'sdk-call value symbol "" - python-kwargs/api -'],
  ['ctx.sell("EU|")', 'sdk-call value symbol "EU" " python-kwargs/api symbol'],
  ['ctx.buy("EURUSD", |)', 'sdk-call value quantity "" - python-kwargs/api symbol'],
  [
    'ctx.buy("EURUSD", 10|00)',
    'sdk-call value quantity "1000" - python-kwargs/api symbol,quantity',
  ],
  // A first key typed alone is a set to Python; through a name too.
  ['ctx.place_order({"sym|"})', 'sdk-call key sym "sym" " python-dict/api -'],
  [
    'def f(ctx):\n    order = {"symbol": "EURUSD", "|"}\n    ctx.place_order(order)',
    'sdk-call key  "" " python-dict/api symbol',
  ],
  // Not payloads.
  ['x = {"a": |}', 'none'],
  ['requests.get(URL + "/orders", params={"symbol": "|"})', 'none'],
  ['names = {"symbol", "act|"}', 'none'],
  ['cart.buy("apple", |)', 'none'],
];

const typescript: [string, string][] = [
  [
    "ctx.buy('EURUSD', 1000, { stopLoss: 1, li| });",
    'sdk-call key li "li" - ts-object/camel symbol,quantity,stop_loss',
  ],
  [
    "ctx.buy('EURUSD', 1000, { stopLoss: 1, | });",
    'sdk-call key - "" - ts-object/camel symbol,quantity,stop_loss',
  ],
  ["ctx.buy('EURUSD', 1000, { | });", 'sdk-call key - "" - ts-object/camel symbol,quantity'],
  [
    "ctx.buy('EURUSD', 1000, { timeInForce: '|' });",
    'sdk-call value time_in_force "" \' ts-object/camel symbol,quantity,time_in_force',
  ],
  [
    "ctx.buy('EURUSD', 1000, { stopLoss: 1, limitPrice: | });",
    'sdk-call value limit_price "" - ts-object/camel symbol,quantity,stop_loss,limit_price',
  ],
  ["ctx.buy('EURUSD', 1000|);", 'sdk-call value quantity "1000" - ts-object/camel symbol,quantity'],
  // Without an options object there is no key to complete.
  ["ctx.buy('EURUSD', 1000, |);", 'none'],
  [
    "await fetch(base + '/orders', { method: 'POST', body: JSON.stringify({ symbol: 'EURUSD', 'li|' }) });",
    'http-body key li "li" \' ts-object/api symbol',
  ],
  [
    "await ctx.placeOrder({ symbol: 'EURUSD', action: '|' });",
    'sdk-call value action "" \' ts-object/api symbol,action',
  ],
  ["const instrument = { symbol: '|' };", 'none'],
];

for (const [languageId, cases] of [
  ['python', python],
  ['typescript', typescript],
] as const) {
  test(`completion contexts in ${languageId}: payload, key or value, what is replaced, how keys are written`, async () => {
    for (const [marked, expected] of cases) {
      const { document, offset } = cursorIn(languageId, marked);
      const found = await inlineContextAt(document, document.positionAt(offset));
      assert.equal(summary(document, found), expected, marked);
    }
  });
}

test('the field under the cursor is the payload field, with its API name and value', async () => {
  const { document, offset } = cursorIn(
    'typescript',
    "ctx.buy('EURUSD', 1000, { stopLoss: 1.0|5 });",
  );
  const found = await inlineContextAt(document, document.positionAt(offset));
  assert.equal(found?.field?.name, 'stop_loss');
  assert.equal(found.field.written, 'stopLoss');
  assert.deepEqual(found.field.value, { kind: 'number', value: 1.05, text: '1.05' });
  assert.deepEqual(found.field, found.payload.fields[2]);
});

test('with InlineDocuments the kept tree is used; a document it has not seen in that state is parsed', async () => {
  const documents = new InlineDocuments();
  const { document, offset } = cursorIn(
    'python',
    'import timber\n\ndef on_candle(candle, ctx):\n    ctx.buy("EURUSD", 1000, |)\n',
  );
  await documents.open(document);
  const kept = await inlineContextAt(document, document.positionAt(offset), documents);
  assert.equal(summary(document, kept), 'sdk-call key - "" - python-kwargs/api symbol,quantity');
  // The server's document moved on without telling InlineDocuments: its tree is not used.
  const typed = '    ctx.buy("EURUSD", 1000, ';
  const changed = TextDocument.update(
    document,
    [{ text: document.getText().replace(typed, `${typed}st`) }],
    2,
  );
  const fresh = await inlineContextAt(changed, changed.positionAt(offset + 2), documents);
  assert.equal(summary(changed, fresh), 'sdk-call key - "st" - python-kwargs/api symbol,quantity');
  documents.dispose();
  assert.equal(
    await inlineContextAt(documentOf('markdown', 'ctx.buy('), { line: 0, character: 8 }),
    undefined,
  );
});

test('at every position of the corpora: no throw, and a context holds the cursor in its payload and in what it replaces', async () => {
  const documents = new InlineDocuments();
  for (const name of ['orders.py', 'orders.ts.txt', 'clean.py', 'clean.ts.txt']) {
    const document = corpus(name);
    await documents.open(document);
    let found = 0;
    for (let offset = 0; offset <= document.getText().length; offset++) {
      const position = document.positionAt(offset);
      const context = await inlineContextAt(document, position, documents);
      if (context === undefined) continue;
      found++;
      const at = (range: Range) =>
        document.offsetAt(range.start) <= offset && offset <= document.offsetAt(range.end);
      assert.ok(at(context.payload.range), `${name}:${offset} is in its payload`);
      assert.ok(at(context.replace), `${name}:${offset} is in what a completion replaces`);
    }
    assert.equal(found > 0, name.startsWith('orders'), `${name}: ${found} positions in payloads`);
  }
  documents.dispose();
});
