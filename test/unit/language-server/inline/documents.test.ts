import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { InlinePayload } from '../../../../language-server/service/inline/index';
import { InlineDocuments, inlinePayloads } from '../../../../language-server/service/inline/index';
import type { Range } from '../../../../language-server/service/payload';
import { parserFor, reader } from '../../../../language-server/service/inline/runtime';
import { corpus } from './expect';

/** An editor's view of a document: each edit is applied and sent as an LSP change. */
class Editor {
  constructor(
    public document: TextDocument,
    readonly documents: InlineDocuments,
  ) {}

  /** Replaces `length` characters at `offset` with `text`. */
  edit(offset: number, length: number, text: string): Promise<InlinePayload[]> {
    const range = {
      start: this.document.positionAt(offset),
      end: this.document.positionAt(offset + length),
    };
    return this.send([{ range, text }]);
  }

  send(changes: TextDocumentContentChangeEvent[]): Promise<InlinePayload[]> {
    this.document = TextDocument.update(this.document, changes, this.document.version + 1);
    return this.documents.update(this.document, changes);
  }

  at(needle: string, after = 0): number {
    const offset = this.document.getText().indexOf(needle, after);
    assert.ok(offset >= 0, `${needle} is in the document`);
    return offset;
  }
}

async function opened(name: string): Promise<Editor> {
  const documents = new InlineDocuments();
  const document = corpus(name);
  await documents.open(document);
  return new Editor(document, documents);
}

/** Incremental payloads must be exactly those of a fresh read of the same text. */
async function sameAsFresh(editor: Editor, found: InlinePayload[]): Promise<void> {
  assert.deepEqual(found, await inlinePayloads(editor.document));
}

test('typing in a payload: only its function is searched again, and the result is a fresh read', async () => {
  const editor = await opened('orders.py');
  const start = editor.at('"quantity": 0.5');
  const found = await editor.edit(start + '"quantity": 0.'.length, 1, '25');
  assert.equal(editor.documents.lastUpdate?.mode, 'regions');
  assert.ok(editor.documents.lastUpdate.searched < editor.document.getText().length / 4);
  await sameAsFresh(editor, found);
  const quantity = found
    .flatMap((payload) => payload.fields)
    .find(
      (field) =>
        field.written === 'quantity' && field.value.kind === 'number' && field.value.value === 0.25,
    );
  assert.ok(quantity, 'the new value is read');
  editor.documents.dispose();
});

test('payloads appear, change source and disappear as their calls are edited', async () => {
  const editor = await opened('orders.py');
  const count = (await editor.documents.payloads(editor.document.uri)).length;
  // A new SDK call in a method.
  let found = await editor.edit(
    editor.at('        ctx.sell("GBPUSD"'),
    0,
    '        ctx.sell("EURUSD", 7)\n',
  );
  assert.equal(found.length, count + 1);
  await sameAsFresh(editor, found);
  // The dict is no longer posted to /orders: it is still plainly an order by its keys.
  const sourceOf = (payloads: InlinePayload[]) =>
    payloads.find((payload) =>
      payload.fields.some(
        (field) =>
          field.name === 'quantity' && field.value.kind === 'number' && field.value.value === -5,
      ),
    )?.source;
  assert.equal(sourceOf(found), 'http-body');
  found = await editor.edit(
    editor.at('f"{BASE}/orders"') + 'f"{BASE}/'.length,
    'orders'.length,
    'orderz',
  );
  assert.equal(sourceOf(found), 'literal');
  await sameAsFresh(editor, found);
  // ... and back.
  found = await editor.edit(
    editor.at('f"{BASE}/orderz"') + 'f"{BASE}/'.length,
    'orderz'.length,
    'orders',
  );
  assert.equal(sourceOf(found), 'http-body');
  await sameAsFresh(editor, found);
  // Without its action it is neither.
  found = await editor.edit(
    editor.at('"action": "sell", "quantity": -5'),
    '"action": "sell", '.length,
    '',
  );
  assert.equal(sourceOf(found), 'http-body');
  found = await editor.edit(
    editor.at('f"{BASE}/orders"') + 'f"{BASE}/'.length,
    'orders'.length,
    'orderz',
  );
  assert.equal(sourceOf(found), undefined);
  assert.equal(found.length, count);
  await sameAsFresh(editor, found);
  // A line break before everything moves every payload down a line.
  found = await editor.edit(editor.at('class Strategy'), 0, '\n');
  assert.equal(
    editor.documents.lastUpdate?.mode,
    'full',
    'a module-level edit reads the module again',
  );
  await sameAsFresh(editor, found);
  editor.documents.dispose();
});

test('an edit at module level reads everything again: a URL constant renamed ends its payloads', async () => {
  const editor = await opened('orders.py');
  const before = await editor.documents.payloads(editor.document.uri);
  const found = await editor.edit(
    editor.at('ORDERS_URL = BASE + "/orders"') + 'ORDERS_URL = BASE + "/'.length,
    6,
    'status',
  );
  assert.equal(editor.documents.lastUpdate?.mode, 'full');
  // What was posted through it is not; two of those bodies are still plainly orders by their keys.
  // ("status" is as long as "orders": the ranges from before still fit the text.)
  const sources = (payloads: InlinePayload[]) =>
    payloads.map(
      (payload) => `${payload.source} ${editor.document.getText(payload.range).slice(0, 36)}`,
    );
  assert.deepEqual(
    sources(before).filter((each) => !sources(found).includes(each)),
    [
      'http-body {"symbol": "US500", "action": "buy",',
      'http-body {"action": "buy", "quantity": 5}',
      'http-body dict(symbol="EURUSD", action="buy", ',
      'http-body {"symbol": "EURUSD", **defaults, "qu',
    ],
  );
  assert.deepEqual(
    sources(found).filter((each) => !sources(before).includes(each)),
    [
      'literal {"symbol": "US500", "action": "buy",',
      'literal dict(symbol="EURUSD", action="buy", ',
    ],
  );
  await sameAsFresh(editor, found);
  editor.documents.dispose();
});

test('several changes in one notification, and a change of the whole text, are followed', async () => {
  const editor = await opened('orders.ts.txt');
  const first = editor.document.positionAt(editor.at("quantity: 1000, order_type: 'limit'"));
  const second = editor.document.positionAt(editor.at("ctx.sell('GBPUSD', 1_000)"));
  let found = await editor.send([
    { range: { start: second, end: second }, text: '/* sell */ ' },
    { range: { start: first, end: first }, text: 'stop_loss: 1, ' },
  ]);
  await sameAsFresh(editor, found);
  found = await editor.send([{ text: editor.document.getText().replace('US500', 'UK100') }]);
  await sameAsFresh(editor, found);
  assert.ok(
    found.some((payload) =>
      payload.fields.some(
        (field) => field.value.kind === 'string' && field.value.value === 'UK100',
      ),
    ),
  );
  editor.documents.dispose();
});

test('documents are independent, closed ones forgotten, and an update of an unknown one opens it', async () => {
  const documents = new InlineDocuments();
  const python = corpus('orders.py');
  const typescript = corpus('orders.ts.txt');
  const [inPython, inTypescript] = await Promise.all([
    documents.open(python),
    documents.open(typescript),
  ]);
  assert.equal(inPython.length, 17);
  assert.equal(inTypescript.length, 13);
  documents.close(python.uri);
  assert.deepEqual(await documents.payloads(python.uri), []);
  assert.equal((await documents.update(python, [])).length, 17);
  const plain = TextDocument.create('file:///notes.md', 'markdown', 1, 'ctx.buy("EURUSD", 1)');
  assert.deepEqual(await documents.open(plain), []);
  documents.dispose();
});

const fragments = [
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  '"',
  "'",
  '`',
  ':',
  ',',
  '=',
  '\n',
  '    ',
  ' ',
  '#',
  '\\',
  '*',
  '**',
  '...',
  'def f(ctx):\n    ',
  'ctx.buy(',
  '"symbol": ',
  'symbol: ',
  '/orders"',
  "'/orders'",
  'json=',
  'body: ',
  'JSON.stringify(',
  'order',
  ' = {',
  'é😀',
  '\r\n',
  'class X:\n',
  '"""',
  '${',
  'f"{',
];

const edits = fc.array(
  fc.record({
    // fast-check leans to the ends of a range; the remainder spreads the edits over the text.
    at: fc.nat({ max: 1_000_000 }),
    remove: fc.oneof(fc.constant(0), fc.constant(1), fc.nat({ max: 12 })),
    // Fragments that break the syntax, and typing that mostly keeps it valid.
    insert: fc.oneof(
      fc.constantFrom(...fragments),
      fc.string({ maxLength: 6 }),
      fc.constantFrom(...'abcxyz_0159 .'),
    ),
  }),
  { minLength: 1, maxLength: 8 },
);

function inside(range: Range, document: TextDocument): boolean {
  const lines = document.getText().split(/\r\n|\r|\n/);
  const ok = (position: Range['start']) =>
    position.line >= 0 &&
    position.line < lines.length &&
    position.character >= 0 &&
    position.character <= lines[position.line].length;
  return ok(range.start) && ok(range.end);
}

/** Whether tree-sitter reads the text with no syntax error. */
async function valid(document: TextDocument): Promise<boolean> {
  const parser = await parserFor(document.languageId === 'python' ? 'python' : 'typescript');
  const tree = parser.parse(reader(document.getText()));
  const broken = tree?.rootNode.hasError ?? true;
  tree?.delete();
  return !broken;
}

for (const name of ['orders.py', 'orders.ts.txt', 'scopes.py']) {
  const seen = { full: 0, regions: 0, broken: 0 };
  test(`random edits of ${name}: never a throw, ranges inside the text, a fresh read's payloads whenever the text is valid`, async () => {
    await fc.assert(
      fc.asyncProperty(edits, async (steps) => {
        const editor = await opened(name);
        const original = editor.document.getText();
        try {
          for (const step of steps) {
            const length = editor.document.getText().length;
            const offset = step.at % (length + 1);
            const found = await editor.edit(
              offset,
              Math.min(step.remove, length - offset),
              step.insert,
            );
            for (const payload of found) {
              const ranges = [
                payload.range,
                ...payload.fields.flatMap((field) => [field.keyRange, field.valueRange]),
              ];
              if (payload.insert) ranges.push({ start: payload.insert.at, end: payload.insert.at });
              for (const range of ranges) {
                assert.ok(inside(range, editor.document), JSON.stringify(range));
              }
            }
            seen[editor.documents.lastUpdate?.mode ?? 'full']++;
            // In broken text tree-sitter may recover otherwise when it parses incrementally than
            // from scratch; valid text has one reading.
            if (await valid(editor.document)) await sameAsFresh(editor, found);
            else seen.broken++;
          }
          // Back to where it started, in one change: the payloads it started with.
          const everything = editor.document.getText().length;
          const restored = await editor.edit(0, everything, original);
          await sameAsFresh(editor, restored);
        } finally {
          editor.documents.dispose();
        }
      }),
      { numRuns: Number(process.env.TBM_INLINE_RUNS ?? 60) },
    );
    // Edits inside functions are followed region by region, which is what this checks.
    assert.ok(seen.regions > seen.full / 4, JSON.stringify(seen));
  });
}
