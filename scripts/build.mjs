// One esbuild script, one entry per part. Type checking is `npm run typecheck`.
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { noticesText } from './build-notices.mjs';
import { layOutEsbuildWasm, nodeSdkOptions } from './build-runtime.mjs';

const watch = process.argv.includes('--watch');

/** Node programs: the command line, the demo, and the sandbox server the extension will host. */
const nodeEntries = {
  cli: 'cli/main.ts',
  demo: 'scripts/demo.ts',
};

const options = {
  entryPoints: nodeEntries,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  logLevel: 'warning',
  banner: {
    // Bundled ESM has no require(); some dependencies still call it.
    js: "import { createRequire as __tbmCreateRequire } from 'node:module'; const require = __tbmCreateRequire(import.meta.url);",
  },
};

/**
 * The extension, loaded by VS Code's extension host (Electron's Node): CommonJS, `vscode` from
 * the host. It holds the runner and the clients, never the sandbox server, which it starts as a
 * child process (`dist/cli.js sandbox`).
 */
const extensionOptions = {
  entryPoints: { extension: 'extension/extension.ts' },
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

// What runs users' scripts from an installed copy, which has no node_modules: esbuild-wasm to
// bundle TypeScript, and the Node SDK that scripts import, bundled in advance.
const esbuildWasm = layOutEsbuildWasm('dist');
const builds = { node: options, extension: extensionOptions, ...nodeSdkOptions('dist') };

if (watch) {
  const { context } = await import('esbuild');
  for (const each of Object.values(builds)) await (await context(each)).watch();
} else {
  const results = await Promise.all(
    Object.values(builds).map((each) => build({ ...each, metafile: true })),
  );
  // The licenses of what went into the bundles, and of esbuild-wasm, copied whole.
  const notices = noticesText(
    results.map((result) => result.metafile),
    [esbuildWasm],
  );
  writeFileSync('dist/THIRD-PARTY-NOTICES.txt', notices);
}
