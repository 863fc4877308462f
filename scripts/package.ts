// `npm run package`: the universal .vsix (timber-studio-<version>.vsix at the repository's root),
// and what takes its space. `npm run bench -- vsix` prints the same with a size budget.
import { resolve } from 'node:path';
import { packageVsix } from './vsix/package-vsix';

const root = resolve(import.meta.dirname, '..');
try {
  const vsix = await packageVsix(root, { log: (line) => console.log(line) });
  const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
  console.log(`${vsix.path}: ${megabytes(vsix.bytes)}, ${vsix.entries.length} files; the largest:`);
  for (const entry of [...vsix.entries]
    .sort((a, b) => b.compressedSize - a.compressedSize)
    .slice(0, 6))
    console.log(
      `  ${megabytes(entry.compressedSize).padStart(9)}  ${entry.name} (${megabytes(entry.size)} unpacked)`,
    );
  console.log(`Install it in VS Code with: code --install-extension ${vsix.path}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
