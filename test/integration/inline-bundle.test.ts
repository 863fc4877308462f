// The language server is bundled (dist/language-server.cjs, dist/cli.js) and shipped without
// node_modules: tree-sitter's runtime and grammars must be found in dist/wasm beside the bundle,
// as scripts/build.mjs puts them. A probe is bundled both ways into an empty folder and run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { grammarFiles } from '../../language-server/service/inline/index';

const folder = mkdtempSync(join(tmpdir(), 'tbm-inline-bundle-'));
after(() => rmSync(folder, { recursive: true, force: true }));

const entry = fileURLToPath(new URL('./fixtures/inline-probe.ts', import.meta.url));
const grammars = fileURLToPath(
  new URL('../../node_modules/@vscode/tree-sitter-wasm/wasm', import.meta.url),
);
mkdirSync(join(folder, 'wasm'));
for (const file of grammarFiles) copyFileSync(join(grammars, file), join(folder, 'wasm', file));

const source =
  'import timber\n\ndef on_candle(candle, ctx):\n    ctx.buy("EURUSD", 1000, stop_loss=1.05)\n';

for (const format of ['cjs', 'esm'] as const) {
  test(`a ${format} bundle reads payloads with the grammars in wasm/ beside it`, async () => {
    const outfile = join(folder, format === 'cjs' ? 'probe.cjs' : 'probe.mjs');
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format,
      logLevel: 'error',
      // As scripts/build.mjs gives its ESM bundles (dist/cli.js): what CommonJS code expects.
      ...(format === 'esm' && {
        banner: {
          js: [
            "import { createRequire as __r } from 'node:module';",
            "import { dirname as __d } from 'node:path';",
            "import { fileURLToPath as __f } from 'node:url';",
            'const require = __r(import.meta.url);',
            'const __filename = __f(import.meta.url);',
            'const __dirname = __d(__filename);',
          ].join(' '),
        },
      }),
    });
    const output = execFileSync(process.execPath, [outfile], {
      input: source,
      cwd: folder,
      encoding: 'utf8',
    });
    const [where, ...payloads] = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    assert.deepEqual(where, { directory: join(folder, 'wasm') });
    assert.deepEqual(payloads, [['sdk-call', 'symbol', 'quantity', 'stop_loss']]);
  });
}
