// Prints the folder-to-folder import arrows of the project and any folders that import each other:
//   node --import tsx scripts/folder-arrows.ts [--files] [folder ...]
// With --files, each arrow lists the files behind it. test/unit/layers.test.ts checks the rules.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { folderArrows, folderCycles, formatArrows, readImports } from './folder-graph';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const dirs = args.filter((a) => !a.startsWith('--'));
const arrows = folderArrows(
  readImports(root, dirs.length > 0 ? dirs : ['api', 'sandbox', 'sdk/node/src', 'runner', 'cli']),
);
console.log(formatArrows(arrows, args.includes('--files')));
const cycles = folderCycles(arrows);
console.log(
  cycles.length === 0
    ? '\nno folder cycles'
    : `\nfolders that import each other, around a loop (one group a line):\n${cycles.map((c) => `  ${c.join(', ')}`).join('\n')}`,
);
