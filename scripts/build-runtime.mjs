// The parts of dist/ that run users' scripts from an installed copy of the studio, where there
// is no node_modules and no native binary: esbuild-wasm (to bundle TypeScript strategies) and
// the Node SDK they import, bundled in advance. runner/project.ts names the same paths.
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * esbuild-wasm's JavaScript API starts its WebAssembly service as `node bin/esbuild`, found on
 * PATH. A user of VS Code may have no `node` on PATH, and the extension host's own executable is
 * Electron; so the copy in dist/ starts it with the running executable, as plain Node. The API
 * also insists on its package layout (lib/main.js beside bin/ and esbuild.wasm), kept here.
 */
const serviceCommand = {
  from: 'return ["node", [path2.join(__dirname, "..", "bin", "esbuild")]];',
  to: 'return [process.execPath, [path2.join(__dirname, "..", "bin", "esbuild")]];',
};
const serviceSpawn = {
  from: 'stdio: ["pipe", "pipe", "inherit"],\n    cwd: defaultWD\n  });',
  to: 'stdio: ["pipe", "pipe", "inherit"],\n    cwd: defaultWD,\n    env: { ...process.env, ELECTRON_RUN_AS_NODE: "1" }\n  });',
};

/**
 * Copies esbuild-wasm into `<dist>/wasm/esbuild/`, its service started with process.execPath;
 * answers the package folder it copied from.
 */
export function layOutEsbuildWasm(dist) {
  const source = dirname(require.resolve('esbuild-wasm/package.json'));
  const { version } = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'));
  const target = join(dist, 'wasm', 'esbuild');
  for (const file of [
    'esbuild.wasm',
    'wasm_exec.js',
    'wasm_exec_node.js',
    'bin/esbuild',
    'LICENSE.md',
  ])
    copyIfChanged(join(source, file), join(target, file));
  let main = readFileSync(join(source, 'lib', 'main.js'), 'utf8');
  for (const { from, to } of [serviceCommand, serviceSpawn]) {
    if (!main.includes(from))
      throw new Error(
        `esbuild-wasm ${version}'s lib/main.js no longer holds the line scripts/build-runtime.mjs patches:\n  ${from}\nUpdate the patch for this version.`,
      );
    main = main.replace(from, to);
  }
  mkdirSync(join(target, 'lib'), { recursive: true });
  writeFileSync(join(target, 'lib', 'main.js'), main);
  // The studio's package.json says "type": "module"; these files are CommonJS.
  writeFileSync(
    join(target, 'package.json'),
    JSON.stringify(
      { name: 'esbuild-wasm', version, type: 'commonjs', main: 'lib/main.js' },
      null,
      2,
    ) + '\n',
  );
  return source;
}

function copyIfChanged(from, to) {
  const source = statSync(from);
  try {
    const existing = statSync(to);
    if (existing.size === source.size && existing.mtimeMs >= source.mtimeMs) return;
  } catch {
    // not there yet
  }
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

/**
 * The Node SDK as scripts import it, in `<dist>/sdk/node/`: `index.mjs` (with zod and the parts of
 * api/ and sandbox/ it uses) and `ws.mjs`, the one copy of `ws` that the SDK and scripts share.
 * Not minified: a user stepping into the SDK in the debugger reads it. Answers esbuild's options
 * for each, by name.
 */
export function nodeSdkOptions(dist) {
  const outdir = join(dist, 'sdk', 'node');
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: true,
    logLevel: 'warning',
    banner: {
      js: "import { createRequire as __timberCreateRequire } from 'node:module'; const require = __timberCreateRequire(import.meta.url);",
    },
  };
  return {
    'sdk-node': {
      ...common,
      entryPoints: { index: 'sdk/node/src/index.ts' },
      outdir,
      outExtension: { '.js': '.mjs' },
      plugins: [
        {
          name: 'shared-ws',
          setup(context) {
            context.onResolve({ filter: /^ws$/ }, () => ({ path: './ws.mjs', external: true }));
          },
        },
      ],
    },
    'sdk-ws': {
      ...common,
      // ws's own ESM entry (its "import" export), whatever file that is in this version.
      stdin: { contents: "export * from 'ws';\nexport { default } from 'ws';\n", resolveDir: '.' },
      outfile: join(outdir, 'ws.mjs'),
    },
  };
}
