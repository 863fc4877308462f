import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The Timber Studio folder this code runs from (the one whose package.json is named
 * `timber-studio`), found by walking up: the same answer from the sources (tsx), from `dist/`
 * and from an installed extension, which all keep `sdk/` next to it.
 */
export function projectRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
        if (name === 'timber-studio') return dir;
      } catch {
        // An unreadable manifest is not ours: keep looking further up.
      }
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(
        `cannot find the Timber Studio folder above ${from}; the runner must run from inside it`,
      );
    dir = parent;
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
