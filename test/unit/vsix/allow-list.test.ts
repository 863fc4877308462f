// The .vscodeignore allow-list, packaged for real by vsce over a stand-in of the repository: the
// files an installed extension needs, and nothing of the sources, tests, maps or node_modules.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkExtensionFiles, requiredFiles } from '../../../scripts/vsix/contents';
import { extensionFiles, packageVsix } from '../../../scripts/vsix/package-vsix';

const repo = resolve(import.meta.dirname, '../../..');

/** Files the language server will add, which the allow-list already lets in. */
const languageServerFiles = ['dist/wasm/tree-sitter.wasm', 'dist/wasm/tree-sitter-typescript.wasm'];

/** What must stay out, one of each kind a build or a checkout leaves around. */
const strays = [
  'dist/extension.cjs.map',
  'dist/cli.js.map',
  'dist/sdk/node/index.mjs.map',
  'dist/demo.js',
  'dist/e2e-extension-tests/index.js',
  'node_modules/ws/index.js',
  'node_modules/esbuild-wasm/package.json',
  'node_modules/esbuild-wasm/LICENSE.md',
  'node_modules/@esbuild/linux-x64/bin/esbuild',
  'src/extension.ts',
  'extension/extension.ts',
  'runner/launch.ts',
  'api/routes.ts',
  'sandbox/engine/engine.ts',
  'sdk/node/src/index.ts',
  'sdk/python/tests/test_timber.py',
  'test/unit/layers.test.ts',
  'test/e2e/artifacts/studio.png',
  'examples/volatility-breakout/volatility_breakout.ts',
  'scripts/build.mjs',
  'bench/run.ts',
  '.ci/run',
  '.timber/runs/r1/record.json',
  'timber-studio-0.0.9.vsix',
  'tsconfig.json',
  'package-lock.json',
];

/** Enough of a file for packaging: manifests parse, the rest is a comment. */
function standIn(file: string): string {
  if (file.endsWith('package.json'))
    return JSON.stringify({ name: file.split('/').at(-2), version: '1.0.0', license: 'MIT' });
  return `// ${file}\n`;
}

describe('the .vscodeignore allow-list', () => {
  const work = mkdtempSync(join(tmpdir(), 'timber-vsix-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('packages what the extension needs and nothing else', async () => {
    const tree = join(work, 'repo');
    for (const file of ['package.json', '.vscodeignore', 'README.md']) {
      mkdirSync(tree, { recursive: true });
      copyFileSync(join(repo, file), join(tree, file));
    }
    const shipped = requiredFiles.filter((file) => !['package.json', 'README.md'].includes(file));
    for (const file of [...shipped, ...languageServerFiles, ...strays]) {
      mkdirSync(dirname(join(tree, file)), { recursive: true });
      writeFileSync(join(tree, file), standIn(file));
    }
    const vsix = await packageVsix(tree, { build: false, out: join(work, 'studio.vsix') });
    const files = extensionFiles(vsix.entries).sort();
    const expected = [...requiredFiles, ...languageServerFiles]
      .map((file) => (file === 'README.md' ? 'readme.md' : file))
      .sort();
    assert.deepEqual(files, expected);
    assert.deepEqual(checkExtensionFiles(files), []);
  });

  it('names each file that is missing or must not ship', () => {
    const problems = checkExtensionFiles(
      [...requiredFiles.filter((file) => file !== 'dist/cli.js'), ...strays].sort(),
    );
    assert.ok(problems.includes('dist/cli.js is missing'), problems.join('\n'));
    for (const stray of strays)
      assert.ok(
        problems.some((problem) => problem.startsWith(`${stray} must not ship`)),
        `${stray} passes the check`,
      );
  });
});
