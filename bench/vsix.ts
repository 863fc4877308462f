// `npm run bench -- vsix`: the .vsix `npm run package` makes (built fresh, into a temp folder):
// its size against the 6 MB budget, with the same files unpacked as the baseline (the ratio is
// what compression leaves), and the entries that take the most space.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { packageVsix } from '../scripts/vsix/package-vsix';
import type { BenchFigure } from './figures';
import { printFigure } from './figures';

const root = resolve(import.meta.dirname, '..');
const megabyte = 1024 * 1024;
const listed = 8;

export async function benchVsix(): Promise<BenchFigure[]> {
  const work = mkdtempSync(join(tmpdir(), 'timber-bench-vsix-'));
  try {
    const vsix = await packageVsix(root, { out: join(work, 'timber-studio.vsix') });
    const unpacked = vsix.entries.reduce((sum, entry) => sum + entry.size, 0);
    const figures: BenchFigure[] = [
      {
        part: 'vsix',
        name: '.vsix size',
        value: vsix.bytes / megabyte,
        unit: 'MB',
        target: { atMost: 6 },
        ratio: vsix.bytes / unpacked,
        baseline: `its ${vsix.entries.length} files unpacked (${(unpacked / megabyte).toFixed(1)} MB)`,
      },
    ];
    const largest = [...vsix.entries].sort((a, b) => b.compressedSize - a.compressedSize);
    for (const entry of largest.slice(0, listed))
      figures.push({
        part: 'vsix',
        name: entry.name.replace(/^extension\//, ''),
        value: entry.compressedSize / 1024,
        unit: 'KB',
        ratio: entry.compressedSize / vsix.bytes,
        baseline: 'the .vsix',
        note: `${(entry.size / 1024).toFixed(0)} KB unpacked`,
      });
    for (const figure of figures) printFigure(figure);
    return figures;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
