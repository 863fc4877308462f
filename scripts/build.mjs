// One esbuild script, one entry per part. Type checking is `npm run typecheck`.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import grammarFiles from '../language-server/service/inline/grammar-files.json' with { type: 'json' };
import { noticesText } from './build-notices.mjs';
import { layOutEsbuildWasm, nodeSdkOptions } from './build-runtime.mjs';

const watch = process.argv.includes('--watch');

/** Node programs: the command line, the demo, and the sandbox server the extension will host. */
const nodeEntries = {
  cli: 'cli/main.ts',
  demo: 'scripts/demo.ts',
};

/**
 * jsonc-parser's UMD build requires its parts by computed paths a bundle cannot follow; its ES
 * module build is the same code, plainly imported.
 */
const alias = { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' };

const options = {
  entryPoints: nodeEntries,
  alias,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  logLevel: 'warning',
  banner: {
    // Bundled ESM has no require(), __filename or __dirname; some dependencies still use them
    // (tree-sitter's runtime asks for its own file name as it loads).
    js: [
      "import { createRequire as __tbmCreateRequire } from 'node:module';",
      "import { dirname as __tbmDirname } from 'node:path';",
      "import { fileURLToPath as __tbmFileURLToPath } from 'node:url';",
      'const require = __tbmCreateRequire(import.meta.url);',
      'const __filename = __tbmFileURLToPath(import.meta.url);',
      'const __dirname = __tbmDirname(__filename);',
    ].join(' '),
  },
};

/**
 * The extension, loaded by VS Code's extension host (Electron's Node): CommonJS, `vscode` from
 * the host. It holds the runner and the clients, never the sandbox server, which it starts as a
 * child process (`dist/cli.js sandbox`).
 */
const extensionOptions = {
  entryPoints: { extension: 'extension/extension.ts' },
  alias,
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  // Smaller to load at activation; names kept for readable stack traces.
  minify: true,
  keepNames: true,
  logLevel: 'warning',
  external: ['vscode'],
};

/**
 * The language server, started by the extension through vscode-languageclient (`node
 * dist/language-server.cjs --node-ipc`) or by any LSP editor (`--stdio`): CommonJS like the
 * extension, and minified with names kept for the same reasons. `tbm lsp` is the same server.
 */
const languageServerOptions = {
  ...extensionOptions,
  entryPoints: { 'language-server': 'language-server/main.ts' },
  external: [],
};

/**
 * The JSON Schema of strategy configs, generated from the contract (language-server/json-schemas.ts)
 * and contributed to VS Code by package.json's jsonValidation.
 */
async function writeJsonSchemas() {
  const bundled = await build({
    entryPoints: ['language-server/json-schemas.ts'],
    alias,
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'warning',
  });
  const code = bundled.outputFiles[0].text;
  const { strategyConfigJsonSchema, strategyConfigSchemaFile } = await import(
    `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`
  );
  mkdirSync('dist', { recursive: true });
  writeFileSync(
    `dist/${strategyConfigSchemaFile}`,
    `${JSON.stringify(strategyConfigJsonSchema(), null, 2)}\n`,
  );
}

// What runs users' scripts from an installed copy, which has no node_modules: esbuild-wasm to
// bundle TypeScript, and the Node SDK that scripts import, bundled in advance.
const esbuildWasm = layOutEsbuildWasm('dist');
/** The language server's client, loaded by the extension after activation (not at it). */
const languageClientOptions = {
  ...extensionOptions,
  entryPoints: { 'language-client': 'extension/language/client.ts' },
};

const builds = {
  node: options,
  extension: extensionOptions,
  languageClient: languageClientOptions,
  languageServer: languageServerOptions,
  ...nodeSdkOptions('dist'),
};

/**
 * The tree-sitter runtime and grammars the language server reads inline payloads with: WASM
 * files loaded at run time, so they sit beside the bundles in dist/wasm (and ship with them).
 */
function copyGrammars() {
  const from = 'node_modules/@vscode/tree-sitter-wasm/wasm';
  mkdirSync('dist/wasm', { recursive: true });
  for (const file of grammarFiles) copyFileSync(join(from, file), join('dist/wasm', file));
}

copyGrammars();
if (watch) {
  const { context } = await import('esbuild');
  await writeJsonSchemas();
  for (const each of Object.values(builds)) await (await context(each)).watch();
} else {
  const [results] = await Promise.all([
    Promise.all(Object.values(builds).map((each) => build({ ...each, metafile: true }))),
    writeJsonSchemas(),
  ]);
  // The licenses of what went into the bundles, and of what is copied whole.
  const notices = noticesText(
    results.map((result) => result.metafile),
    // tree-sitter's runtime and grammars are copied, not bundled: their license is added here.
    [esbuildWasm, 'node_modules/@vscode/tree-sitter-wasm'],
  );
  writeFileSync('dist/THIRD-PARTY-NOTICES.txt', notices);
}
