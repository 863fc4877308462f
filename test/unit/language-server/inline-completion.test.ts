import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { inlineCompletions } from '../../../language-server/service/inline-completion';
import { inlineContextAt } from '../../../language-server/service/inline/index';
import { offlineContext } from '../../../language-server/service/market-context';

const market = offlineContext(Date.UTC(2024, 2, 6, 12));

/** Completions where `|` stands in the text. */
async function completeAt(languageId: string, marked: string) {
  const offset = marked.indexOf('|');
  const text = marked.replace('|', '');
  const document = TextDocument.create(
    `file:///s.${languageId === 'python' ? 'py' : 'ts'}`,
    languageId,
    1,
    text,
  );
  const at = await inlineContextAt(document, document.positionAt(offset));
  assert.ok(at, `no order context at the cursor in: ${marked}`);
  return inlineCompletions(at, market);
}

test('keys as the place writes them: Python keywords, dict keys, TypeScript SDK options in camelCase', async () => {
  const kwargs = await completeAt('python', 'ctx.buy("EURUSD", 1000, stop_loss=1.0, |)\n');
  const takeProfit = kwargs.find((item) => item.label === 'take_profit');
  assert.equal(takeProfit?.insertText, 'take_profit=');
  assert.ok(!kwargs.some((item) => item.label === 'stop_loss'), 'written already');
  assert.ok(!kwargs.some((item) => item.label === 'action'), 'implied by buy');

  const dict = await completeAt(
    'python',
    'requests.post(base + "/orders", json={"symbol": "EURUSD", |})\n',
  );
  assert.equal(dict.find((item) => item.label === 'order_type')?.insertText, '"order_type": ');

  const options = await completeAt(
    'typescript',
    "await ctx.buy('EURUSD', 1000, { stopLoss: 1.0, | });\n",
  );
  const labels = options.map((item) => item.label);
  assert.ok(labels.includes('takeProfit'), labels.join(', '));
  assert.equal(options.find((item) => item.label === 'takeProfit')?.insertText, 'takeProfit: ');
});

test('values of a field: inside a string the bare text, else a literal', async () => {
  const inString = await completeAt('python', 'ctx.sell("EUR|", 1000)\n');
  const eurusd = inString.find((item) => item.label === 'EURUSD');
  assert.equal(eurusd?.insertText, 'EURUSD');
  const orderType = await completeAt(
    'python',
    'requests.post(url + "/orders", json={"symbol": "EURUSD", "order_type": |})\n',
  );
  assert.deepEqual(
    orderType.map((item) => item.insertText),
    ['"market"', '"limit"'],
  );
});
