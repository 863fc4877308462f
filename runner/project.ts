import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

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

export const sdkPaths = (root: string) => ({
  nodeEntry: join(root, 'sdk', 'node', 'src', 'index.ts'),
  python: join(root, 'sdk', 'python'),
});

/**
 * The `ws` package's ESM entry as a file URL, so a bundled script in a temp folder can import
 * it from anywhere (it stays external: one copy, the runner's, with its native-free code).
 */
export function wsEntryUrl(root: string): string {
  const require = createRequire(join(root, 'package.json'));
  const main = require.resolve('ws');
  return pathToFileURL(join(dirname(main), 'wrapper.mjs')).href;
}
