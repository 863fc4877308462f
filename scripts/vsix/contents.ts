// What the .vsix must hold and must not: checked on every `npm run package` against the real
// archive, and by a unit test against the .vscodeignore allow-list. Paths are relative to the
// extension's folder (the archive's `extension/`).

/** The files an installed extension cannot work without. */
export const requiredFiles: readonly string[] = [
  'package.json',
  'README.md',
  'dist/extension.cjs',
  // The sandbox and every run are child processes of `tbm`.
  'dist/cli.js',
  // The language server, which the extension starts as a child process.
  'dist/language-server.cjs',
  'dist/language-client.cjs',
  'dist/sdk/node/index.mjs',
  'dist/sdk/node/ws.mjs',
  'sdk/python/timber.py',
  'dist/wasm/esbuild/package.json',
  'dist/wasm/esbuild/lib/main.js',
  'dist/wasm/esbuild/bin/esbuild',
  'dist/wasm/esbuild/esbuild.wasm',
  'dist/wasm/esbuild/wasm_exec.js',
  'dist/wasm/esbuild/wasm_exec_node.js',
  'dist/THIRD-PARTY-NOTICES.txt',
  // Snippets and the strategy config's schema, which package.json contributes.
  'snippets/python.json',
  'snippets/typescript.json',
  'snippets/json.json',
  'dist/strategy-config.schema.json',
  // The walkthrough's pages, and the example it opens (Timber: Open the Example Strategy).
  'walkthrough/run.md',
  'examples/sma-crossover/strategy.json',
  'examples/sma-crossover/sma_crossover.py',
  'examples/sma-crossover/sma_crossover.ts',
];

/**
 * Where shipped files may be: the manifest and docs, dist/, the Python SDK module, schemas, the
 * walkthrough's pages and the example strategy.
 */
const places =
  /^(package\.json|readme\.md|licen[cs]e(\.\w+)?|dist\/.+|sdk\/python\/timber\.py|schemas\/.+|media\/icon\.png|walkthrough\/[^/]+\.md|snippets\/[^/]+\.json|examples\/sma-crossover\/[^/]+)$/i;

/** Why a file in one of those places must not ship, for the first rule it breaks. */
const forbidden: readonly [RegExp, string][] = [
  [/(^|\/)node_modules\//, 'dependencies are bundled (vsce --no-dependencies)'],
  [/\.map$/, 'source maps stay out of the package'],
  // The example's TypeScript twin is a user's file, not the extension's source.
  [/^(?!examples\/).*\.(ts|mts|cts)$/, 'sources are bundled into dist/'],
  [/\.node$/, 'no native addons'],
  [/^dist\/(demo\.js|e2e-)/, 'a build by-product'],
];

/** A problem per missing or forbidden file; none for a good package. */
export function checkExtensionFiles(files: readonly string[]): string[] {
  // vsce stores README.md as readme.md.
  const present = new Set(files.map((file) => file.toLowerCase()));
  const problems = requiredFiles
    .filter((file) => !present.has(file.toLowerCase()))
    .map((file) => `${file} is missing`);
  for (const file of files) {
    const rule = places.test(file)
      ? forbidden.find(([pattern]) => pattern.test(file))?.[1]
      : 'only the manifest, README, license, dist/, sdk/python/timber.py, schemas, snippets, the walkthrough and the example ship';
    if (rule !== undefined) problems.push(`${file} must not ship: ${rule}`);
  }
  return problems;
}
