import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The Timber Studio folder `from` is in: the first folder above it that holds the SDKs
 * (`sdk/python/timber.py`). The same answer from the sources (tsx), from `dist/` and from an
 * installed extension, which all keep `sdk/` next to them; an editor may pass its own instead.
 */
export function studioRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'sdk', 'python', 'timber.py'))) return dir;
    if (dirname(dir) === dir)
      throw new Error(
        `cannot find the Timber Studio folder (the one holding sdk/) above ${from}; the runner must run from inside it`,
      );
  }
}

/**
 * What scripts import, in the studio's folder: the Python SDK's module folder, and the Node SDK
 * and `ws` prebundled into dist/ with esbuild-wasm beside them (scripts/build-runtime.mjs).
 */
export const sdkPaths = (root: string) => ({
  python: join(root, 'sdk', 'python'),
  nodeBundle: join(root, 'dist', 'sdk', 'node', 'index.mjs'),
  wsBundle: join(root, 'dist', 'sdk', 'node', 'ws.mjs'),
  esbuildWasm: join(root, 'dist', 'wasm', 'esbuild'),
});
