// Runs the node:test suites. Node 20's --test takes no globs, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'));

function collect(dir) {
  if (statSync(dir).isFile()) return [dir];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return collect(path);
    return /\.test\.ts$/.test(entry.name) ? [path] : [];
  });
}

// test/e2e needs code-server and Chromium: .ci/run installs both (see test/e2e/README.md).
const files = (roots.length ? roots : ['test/unit', 'test/integration', 'test/e2e'])
  .flatMap(collect)
  .sort();
if (files.length === 0) {
  console.error('No test files found under', roots.join(', '));
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--import',
    './test/setup.ts',
    '--test',
    '--test-reporter=spec',
    ...passThrough,
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
