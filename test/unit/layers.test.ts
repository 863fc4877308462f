// The layering STYLE.md asks for, checked on the import statements themselves: api/ is the
// contract and imports only zod; the sandbox's folders never import each other around a loop;
// its pure core (engine, market) knows nothing of its transports or its server; and a backtest
// (Replay, the Node SDK's in-process path) runs on the engine and the market alone.
// `node --import tsx scripts/folder-arrows.ts --files` prints the whole graph.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { Arrow } from '../../scripts/folder-graph';
import {
  folderArrows,
  folderCycles,
  folderOf,
  formatArrows,
  importSpecifiers,
  readImports,
  reachableFiles,
} from '../../scripts/folder-graph';

const root = fileURLToPath(new URL('../..', import.meta.url));
const imports = readImports(root, ['api', 'sandbox', 'sdk/node/src']);
const arrows = folderArrows(imports);

const isSandbox = (folder: string) => folder === 'sandbox' || folder.startsWith('sandbox/');
const shown = (list: readonly Arrow[]) => `\n${formatArrows(list, true)}\n`;

void describe('folder layering', () => {
  void it('finds the imports it checks', () => {
    assert.ok(imports.length > 500, `only ${imports.length} imports read under ${root}`);
    assert.ok(arrows.some((a) => a.from === 'sandbox/http' && a.to === 'sandbox/service'));
  });

  void it('has no loop among the folders of sandbox/', () => {
    const inside = arrows.filter((a) => isSandbox(a.from) && isSandbox(a.to));
    const cycles = folderCycles(inside);
    const looped = inside.filter((a) => cycles.some((c) => c.includes(a.from) && c.includes(a.to)));
    assert.deepEqual(cycles, [], `folders that import each other:${shown(looped)}`);
  });

  void it('api/ imports nothing but zod and itself', () => {
    const strays = imports.filter(
      (imp) =>
        folderOf(imp.file) === 'api' &&
        (imp.external ? imp.target !== 'zod' : folderOf(imp.target) !== 'api'),
    );
    assert.deepEqual(
      strays.map((imp) => `${imp.file} -> ${imp.target}`),
      [],
      `api/ arrows:${shown(arrows.filter((a) => a.from === 'api'))}`,
    );
  });

  void it('the engine and the market know nothing of transports, sessions or the server', () => {
    const wiring = ['http', 'stream', 'service', 'server', 'sessions'].map((f) => `sandbox/${f}`);
    const core = ['sandbox/engine', 'sandbox/market'];
    const wrong = arrows.filter((a) => core.includes(a.from) && wiring.includes(a.to));
    assert.deepEqual(wrong, [], `the core reaches into the wiring:${shown(wrong)}`);
  });

  void it('a backtest runs on the engine and the market alone', () => {
    const allowed = ['api', 'sandbox/engine', 'sandbox/market', 'sandbox/replay', 'sdk/node'];
    for (const start of ['sandbox/replay/replay.ts', 'sdk/node/src/backtest.ts']) {
      const reached = [...reachableFiles(imports, start)];
      const outside = reached.filter((file) => !allowed.includes(folderOf(file)));
      assert.deepEqual(outside, [], `${start} reaches beyond ${allowed.join(', ')}`);
    }
  });
});

void describe('importSpecifiers', () => {
  void it('reads static, multi-line, type-only, re-exported and dynamic imports', () => {
    const source = [
      "import { a } from './a';",
      'import {',
      '  b,',
      '  type C,',
      "} from '../b';",
      "import type { D } from 'zod';",
      "export { e } from './e';",
      "export type { F } from './f';",
      "import './side-effect';",
      "const g = await import('./g');",
      "// import { h } from './commented-out';",
      " * import { i } from './in-a-doc-comment';",
      "const j = 'from \\'./a-string\\'';",
    ].join('\n');
    assert.deepEqual(importSpecifiers(source), [
      { specifier: './a', typeOnly: false },
      { specifier: '../b', typeOnly: false },
      { specifier: 'zod', typeOnly: true },
      { specifier: './e', typeOnly: false },
      { specifier: './f', typeOnly: true },
      { specifier: './side-effect', typeOnly: false },
      { specifier: './g', typeOnly: false },
    ]);
  });

  void it('groups folders that import each other around a loop', () => {
    const arrow = (from: string, to: string): Arrow => ({ from, to, typeOnly: false, files: [] });
    const loop = [arrow('a', 'b'), arrow('b', 'c'), arrow('c', 'a'), arrow('c', 'd')];
    assert.deepEqual(folderCycles(loop), [['a', 'b', 'c']]);
    assert.deepEqual(folderCycles([arrow('a', 'b'), arrow('b', 'c')]), []);
  });
});
