// The language server's layering, checked on its import statements: the services are pure (no
// LSP connection, no file system, no process), so `tbm lint`, the server and the inline
// extractor share them; the protocol both sides parse with imports only the contract.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { readImports } from '../../../scripts/folder-graph';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const imports = readImports(root, ['language-server']);

test('the services import the contract, the market, JSON and text documents, nothing that does I/O', () => {
  const allowedPackages = ['zod', 'jsonc-parser', 'vscode-languageserver-textdocument'];
  const allowedFolders = [
    'api/',
    'sandbox/market/',
    'language-server/service/',
    'language-server/protocol.ts',
  ];
  // The inline extractor (service/inline/) loads WASM grammars; its rules are its own.
  const services = imports.filter(
    (each) =>
      each.file.startsWith('language-server/service/') &&
      !each.file.startsWith('language-server/service/inline/'),
  );
  assert.ok(services.length > 50, `only ${services.length} imports read`);
  const strays = services.filter((each) =>
    each.external
      ? !allowedPackages.includes(each.target)
      : !allowedFolders.some((folder) => each.target.startsWith(folder)),
  );
  assert.deepEqual(
    strays.map((each) => `${each.file} -> ${each.target}`),
    [],
  );
});

test('the protocol shared with clients imports only zod and the contract', () => {
  const strays = imports.filter(
    (each) =>
      each.file === 'language-server/protocol.ts' &&
      (each.external ? each.target !== 'zod' : !each.target.startsWith('api/')),
  );
  assert.deepEqual(strays, []);
});
