import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  grammarDirectory,
  inlinePayloads,
  setGrammarDirectory,
} from '../../../../language-server/service/inline/index';
import { documentOf } from './expect';

const installed = realpathSync(
  fileURLToPath(new URL('../../../../node_modules/@vscode/tree-sitter-wasm/wasm', import.meta.url)),
);

test('in development the grammars are found in the installed package', () => {
  assert.equal(grammarDirectory(), installed);
});

test('a folder without the grammars is an error that says where and what to do; a good one then works', async () => {
  const python = documentOf('python', 'ctx.buy("EURUSD", 1)');
  setGrammarDirectory('/nonexistent/wasm');
  await assert.rejects(
    inlinePayloads(python),
    /tree-sitter.wasm.*were not found in \/nonexistent\/wasm; build with `npm run build`/,
  );
  setGrammarDirectory(installed);
  assert.equal((await inlinePayloads(python)).length, 1);
});
