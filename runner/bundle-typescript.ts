import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as esbuild from 'esbuild-wasm';
import { LaunchError } from './launch';
import { sdkPaths } from './project';

// TypeScript strategies are bundled with esbuild-wasm, the copy in the studio's dist/ (see
// scripts/build-runtime.mjs): an installed extension has no node_modules and may run where no
// native esbuild binary fits, and the repository runs the same bundler it ships. Its service, a
// child process compiling the WebAssembly once, stays up for the next bundle of this process.

/**
 * Bundles a TypeScript script into a temp `.mjs` with inline source maps. `@timber-studio/sdk`
 * and `ws` stay imports of the studio's prebundled copies (by file URL, so the bundle runs from
 * any folder); everything else the script imports is bundled into it.
 */
export async function bundleTypeScript(
  script: string,
  root: string,
): Promise<{ file: string; cleanup: () => void }> {
  const { build } = loadEsbuild(root);
  const { nodeBundle } = sdkPaths(root);
  if (!existsSync(nodeBundle))
    throw new LaunchError(
      `the Node SDK is not installed here (${nodeBundle} is missing); in a clone of the repository, run npm run build`,
      'environment',
    );
  const dir = mkdtempSync(join(tmpdir(), 'timber-run-'));
  const file = join(dir, `${basename(script, extname(script))}.mjs`);
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    await build(typeScriptBuildOptions(script, file, root));
  } catch (error) {
    cleanup();
    throw new LaunchError(
      `cannot compile ${basename(script)}:\n  ${describeBuildError(error)}`,
      'script',
    );
  }
  return { file, cleanup };
}

/** esbuild's options for a script's bundle (also what `npm run bench -- typescript-run` times). */
export function typeScriptBuildOptions(
  script: string,
  outfile: string,
  root: string,
): esbuild.BuildOptions {
  const { nodeBundle, wsBundle } = sdkPaths(root);
  const shared: Record<string, string> = {
    '@timber-studio/sdk': pathToFileURL(nodeBundle).href,
    ws: pathToFileURL(wsBundle).href,
  };
  return {
    entryPoints: [script],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'silent',
    banner: {
      js: "import { createRequire as __timberCreateRequire } from 'node:module'; const require = __timberCreateRequire(import.meta.url);",
    },
    plugins: [
      {
        name: 'timber-shared-modules',
        setup(context) {
          context.onResolve({ filter: /^(@timber-studio\/sdk|ws)$/ }, (args) => ({
            path: shared[args.path],
            external: true,
          }));
        },
      },
    ],
  };
}

/**
 * Starts the bundler's service now, so that compiling its WebAssembly (the first bundle's cost,
 * about a second) overlaps whatever comes before the bundle: starting the sandbox, checking the
 * key. Errors are left for the bundle itself to report.
 */
export function warmTypeScriptBundler(root: string): void {
  try {
    void loadEsbuild(root)
      .transform('')
      .catch(() => {});
  } catch {
    // reported by bundleTypeScript
  }
}

/** Ends the bundler's service process, if one was started; the next bundle starts another. */
export async function stopTypeScriptBundler(): Promise<void> {
  for (const loaded of services.values()) await loaded.stop();
}

const services = new Map<string, typeof esbuild>();

function loadEsbuild(root: string): typeof esbuild {
  const { esbuildWasm } = sdkPaths(root);
  const main = join(esbuildWasm, 'lib', 'main.js');
  let loaded = services.get(main);
  if (loaded === undefined) {
    if (!existsSync(join(esbuildWasm, 'esbuild.wasm')))
      throw new LaunchError(
        `TypeScript support is missing from this installation (${esbuildWasm} has no esbuild.wasm); in a clone of the repository, run npm run build`,
        'environment',
      );
    // Loaded at run time from dist/, never bundled: it finds its .wasm by its own path.
    loaded = createRequire(join(root, 'package.json'))(main) as typeof esbuild;
    services.set(main, loaded);
  }
  return loaded;
}

function describeBuildError(error: unknown): string {
  const errors = (error as { errors?: esbuild.Message[] }).errors;
  if (!errors?.length) return (error as Error).message;
  return errors
    .slice(0, 5)
    .map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text))
    .join('\n  ');
}
