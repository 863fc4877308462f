// One esbuild script, one entry per part. Type checking is `npm run typecheck`.
import { build } from 'esbuild';

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
  // The runner loads esbuild on demand to bundle TypeScript scripts; its native binary cannot be bundled.
  external: ['esbuild'],
  banner: {
    // Bundled ESM has no require(); some dependencies still call it.
    js: "import { createRequire as __tbmCreateRequire } from 'node:module'; const require = __tbmCreateRequire(import.meta.url);",
  },
};

if (watch) {
  const { context } = await import('esbuild');
  const ctx = await context(options);
  await ctx.watch();
} else {
  await build(options);
}
