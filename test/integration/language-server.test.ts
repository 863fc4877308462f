// The language server as an editor sees it: a real process over stdio (the bundle, and `tbm lsp`),
// initialize, didOpen, publishDiagnostics, completion, hover, codeAction, codeLens, incremental
// didChange, settings, the environment's market, shutdown and exit.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, test } from 'node:test';
import type { CodeAction, CompletionItem, Diagnostic, Hover } from 'vscode-languageserver/node';
import { cliPath } from './harness';
import type { LspProcess } from './lsp-client';
import { killLsp, startLsp } from './lsp-client';

const serverPath = resolve(import.meta.dirname, '../../dist/language-server.cjs');
const started: LspProcess[] = [];
after(() => started.forEach(killLsp));

const uri = 'file:///nowhere/orders.order.json';
const text = [
  '{',
  '  "symbol": "EURUSX",',
  '  "action": "buy",',
  '  "quantity": 10000,',
  '  "order_type": "limit",',
  '  "time_in_force": "gtc"',
  '}',
].join('\n');

async function initialize(lsp: LspProcess, initializationOptions: unknown = {}) {
  const result: { capabilities: Record<string, unknown> } = await lsp.connection.sendRequest(
    'initialize',
    {
      processId: process.pid,
      rootUri: null,
      capabilities: { workspace: { configuration: true }, textDocument: { codeAction: {} } },
      initializationOptions,
    },
  );
  await lsp.connection.sendNotification('initialized', {});
  return result;
}

async function open(lsp: LspProcess, documentUri: string, content: string) {
  await lsp.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri: documentUri, languageId: 'json', version: 1, text: content },
  });
}

const codes = (list: Diagnostic[]) => list.map((each) => each.code).join(',');
const messageOf = (diagnostic: Diagnostic) =>
  typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value;

async function shutDown(lsp: LspProcess) {
  await lsp.connection.sendRequest('shutdown');
  await lsp.connection.sendNotification('exit');
  assert.equal(await lsp.exited, 0, lsp.stderr());
}

test('dist/language-server.cjs --stdio: diagnostics, completion, hover, quick fixes, lenses, edits, settings', async () => {
  const lsp = startLsp([serverPath, '--stdio']);
  started.push(lsp);
  const { capabilities } = await initialize(lsp);
  assert.deepEqual(capabilities.textDocumentSync, { openClose: true, change: 2 });
  await open(lsp, uri, text);
  const first = await lsp.diagnostics(uri, (list) => list.length > 0);
  assert.equal(codes(first), 'unknown_symbol,limit_price_required');
  assert.match(messageOf(first[0]), /^unknown symbol "EURUSX": did you mean EURUSD/);
  assert.deepEqual(first[0].range, {
    start: { line: 1, character: 12 },
    end: { line: 1, character: 20 },
  });
  assert.equal(first[0].source, 'timber');

  const completion: CompletionItem[] = await lsp.connection.sendRequest('textDocument/completion', {
    textDocument: { uri },
    position: { line: 1, character: 15 },
  });
  assert.ok(completion.some((item) => item.label === 'EURUSD'));

  const hover: Hover | null = await lsp.connection.sendRequest('textDocument/hover', {
    textDocument: { uri },
    position: { line: 3, character: 5 },
  });
  assert.match(JSON.stringify(hover?.contents), /\*\*quantity\*\* \(required\)/);

  const actions: CodeAction[] = await lsp.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri },
    range: first[0].range,
    context: { diagnostics: [first[0]] },
  });
  const replace = actions.find((action) => action.title === 'Replace with EURUSD');
  assert.ok(replace, JSON.stringify(actions.map((action) => action.title)));
  assert.equal(replace.isPreferred, true);
  assert.deepEqual(replace.edit?.changes?.[uri], [{ range: first[0].range, newText: '"EURUSD"' }]);

  const lenses: { command: { command: string; arguments: string[] } }[] =
    await lsp.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } });
  assert.equal(lenses.length, 1);
  assert.equal(lenses[0].command.command, 'timber.orders.send');
  assert.equal((JSON.parse(lenses[0].command.arguments[0]) as { symbol: string }).symbol, 'EURUSX');

  // The fix applied as an incremental edit: only the limit order's missing price is left.
  await lsp.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ range: first[0].range, text: '"EURUSD"' }],
  });
  const second = await lsp.diagnostics(uri, (list) => codes(list) === 'limit_price_required');
  const addPrice: CodeAction[] = await lsp.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri },
    range: second[0].range,
    context: { diagnostics: second },
  });
  assert.deepEqual(
    addPrice.map((action) => action.title.replace(/[\d.]+$/, 'N')),
    ['Add limit_price at the current ask N', 'Make it a market order'],
  );
  const edit = addPrice[0].edit?.changes?.[uri]?.[0];
  assert.ok(edit);
  await lsp.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 3 },
    contentChanges: [edit].map((each) => ({ range: each.range, text: each.newText })),
  });
  await lsp.diagnostics(uri, (list) => list.length === 0);

  // A broken file neither crashes the server nor floods it.
  const broken = 'file:///nowhere/broken.order.json';
  await open(lsp, broken, '{"symbol": "EURUSD", "action": "buy" "quantity": ]]]]]]]]');
  const brokenList = await lsp.diagnostics(broken, (list) => list.length > 0);
  assert.ok(brokenList.length <= 6, codes(brokenList));

  // timber.lint.enable off: no diagnostics; on again: back.
  lsp.settings.lint.enable = false;
  await lsp.connection.sendNotification('workspace/didChangeConfiguration', { settings: {} });
  await lsp.diagnostics(broken, (list) => list.length === 0);
  lsp.settings.lint.enable = true;
  await lsp.connection.sendNotification('workspace/didChangeConfiguration', { settings: {} });
  await lsp.diagnostics(broken, (list) => list.length > 0);

  // The environment's instruments replace the embedded universe.
  const gbpusd = { ...gbpusdLike(), symbol: 'GBPUSD' };
  await lsp.connection.sendNotification('timber/market', {
    type: 'environment',
    source: 'a test environment',
    instruments: [gbpusd],
    quotes: [],
    now: Date.parse('2024-03-06T12:00:00Z'),
  });
  const narrowed = await lsp.diagnostics(uri, (list) => codes(list) === 'unknown_symbol');
  assert.match(
    messageOf(narrowed[0]),
    /^unknown symbol "EURUSD": it is not one of the 1 instruments of a test environment/,
  );

  await lsp.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  await lsp.diagnostics(uri, (list) => list.length === 0);
  await shutDown(lsp);
});

test('tbm lsp --stdio is the same server, and leaves JSON syntax to an editor that reports it', async () => {
  const lsp = startLsp([cliPath, 'lsp', '--stdio']);
  started.push(lsp);
  await initialize(lsp, { editorHandlesJson: true });
  const broken = 'file:///nowhere/strategy.json';
  await open(lsp, broken, '{"name": "x", "symbols": ["GBPUSX"] "interval": "2m"');
  const list = await lsp.diagnostics(broken, (each) => each.length > 0);
  assert.equal(codes(list), 'unknown_symbol');
  await shutDown(lsp);
});

test('exit without shutdown ends the server with code 1, as LSP says', async () => {
  const lsp = startLsp([serverPath, '--stdio']);
  started.push(lsp);
  await initialize(lsp);
  await lsp.connection.sendNotification('exit');
  assert.equal(await lsp.exited, 1);
});

function gbpusdLike() {
  return {
    kind: 'forex',
    description: 'Pound / US Dollar',
    quote_currency: 'USD',
    base: 'GBP',
    tick_size: 0.00001,
    min_quantity: 1000,
    quantity_step: 1,
    margin_rate: 0.0333,
    commission_rate: 0.00002,
    trading_hours: {
      timezone: 'UTC',
      sessions: [{ open: 'Sun 22:00', close: 'Fri 22:00' }],
      description: '24 hours a day from Sunday 22:00 to Friday 22:00 UTC',
    },
  };
}

test('dist/language-server.cjs --stdio: an order inline in Python, checked after opening and after an edit', async () => {
  const lsp = startLsp([serverPath, '--stdio']);
  started.push(lsp);
  await initialize(lsp);
  const pythonUri = 'file:///nowhere/strategy.py';
  const source = 'def on_candle(candle, ctx):\n    ctx.buy("EURUSD", 1000, stop_loss=2.5)\n';
  await lsp.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri: pythonUri, languageId: 'python', version: 1, text: source },
  });
  const first = await lsp.diagnostics(pythonUri, (list) => list.length > 0);
  assert.equal(codes(first), 'invalid_protection', lsp.stderr());
  assert.deepEqual(first[0].range.start, { line: 1, character: 38 });
  // The symbol made unknown by an edit: the incremental read sees it.
  await lsp.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri: pythonUri, version: 2 },
    contentChanges: [
      {
        range: { start: { line: 1, character: 13 }, end: { line: 1, character: 19 } },
        text: 'EURUSX',
      },
    ],
  });
  const second = await lsp.diagnostics(pythonUri, (list) =>
    list.some((each) => each.code === 'unknown_symbol'),
  );
  assert.match(messageOf(second.find((each) => each.code === 'unknown_symbol')!), /EURUSX/);

  // Completion inside the call: keyword arguments not yet written, as keywords.
  await lsp.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri: pythonUri, version: 3 },
    contentChanges: [
      {
        range: { start: { line: 1, character: 41 }, end: { line: 1, character: 41 } },
        text: ', ',
      },
    ],
  });
  const keys: CompletionItem[] = await lsp.connection.sendRequest('textDocument/completion', {
    textDocument: { uri: pythonUri },
    position: { line: 1, character: 43 },
  });
  const takeProfit = keys.find((item) => item.label === 'take_profit');
  assert.ok(takeProfit, keys.map((item) => item.label).join(', '));
  assert.equal(
    (takeProfit.textEdit as { newText?: string } | undefined)?.newText ?? takeProfit.insertText,
    'take_profit=',
  );
  assert.ok(!keys.some((item) => item.label === 'stop_loss'), 'stop_loss is written already');
  await shutDown(lsp);
});
