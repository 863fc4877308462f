// Builds the publishable package: one ESM bundle (dist/index.js) with the parts of api/ and
// sandbox/ it needs (zod included), `ws` left to the installer; and the type declarations.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });

await build({
  entryPoints: { index: join(here, 'src/index.ts') },
  outdir: dist,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  external: ['ws'],
  logLevel: 'warning',
  banner: {
    // Bundled ESM has no require(); a bundled dependency may still call it.
    js: "import { createRequire as __timberCreateRequire } from 'node:module'; const require = __timberCreateRequire(import.meta.url);",
  },
});

// Declarations: tsc emits the SDK's own and the contract types they mention.
const tsc = join(here, '../../node_modules/typescript/bin/tsc');
const config = join(dist, 'tsconfig.types.json');
writeFileSync(
  config,
  JSON.stringify({
    extends: '../tsconfig.json',
    compilerOptions: {
      noEmit: false,
      declaration: true,
      emitDeclarationOnly: true,
      rootDir: '../../..',
      outDir: './types',
    },
    include: ['../src/index.ts'],
  }),
);
execFileSync(process.execPath, [tsc, '-p', config], { stdio: 'inherit' });
rmSync(config);
// The entry point's declarations sit at the mirrored path; point dist/index.d.ts at them.
writeFileSync(join(dist, 'index.d.ts'), "export * from './types/sdk/node/src/index';\n");
console.log(`built ${dist}`);
