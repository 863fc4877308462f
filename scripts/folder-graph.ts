// The folder-to-folder import graph of the project's TypeScript, read from the import statements
// themselves (no compiler), so the layering in STYLE.md can be checked by a fast unit test and
// printed by scripts/folder-arrows.ts. A folder is a first-level folder of sandbox/ (sandbox/engine),
// sdk/node, or any other top-level folder (api, runner, cli).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

export interface Import {
  /** Repository-relative path of the importing file, with forward slashes. */
  readonly file: string;
  /** The resolved repository-relative path for a relative import, else the package name as written. */
  readonly target: string;
  /** `import type` / `export type`: gone at run time, but still a dependency between folders. */
  readonly typeOnly: boolean;
  /** A package (zod, node:fs) rather than a file of the project. */
  readonly external: boolean;
}

const staticImport =
  /^[ \t]*(import|export)\s+(type\s+)?[\w\s{},*$]*?\bfrom\s*['"]([^'"]+)['"]|^[ \t]*import\s*['"]([^'"]+)['"]/gm;
const dynamicImport = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The modules a file's source names, each with whether only its types are used. */
export function importSpecifiers(source: string): { specifier: string; typeOnly: boolean }[] {
  const found: { specifier: string; typeOnly: boolean }[] = [];
  for (const match of source.matchAll(staticImport)) {
    const specifier = match[3] ?? match[4];
    if (specifier !== undefined) found.push({ specifier, typeOnly: match[2] !== undefined });
  }
  for (const match of source.matchAll(dynamicImport)) {
    found.push({ specifier: match[1], typeOnly: false });
  }
  return found;
}

/** The folder a repository-relative path belongs to, for the graph. */
export function folderOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'sandbox' || parts[0] === 'sdk') {
    return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  return parts.length > 1 ? parts[0] : '.';
}

function tsFiles(root: string, dir: string): string[] {
  const full = join(root, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full, { withFileTypes: true }).flatMap((entry): string[] => {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) {
      return entry.name === 'node_modules' || entry.name === 'dist' ? [] : tsFiles(root, path);
    }
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function resolveRelative(root: string, file: string, specifier: string): string {
  const joined = posix.normalize(posix.join(posix.dirname(file), specifier));
  for (const candidate of [`${joined}.ts`, `${joined}/index.ts`, joined]) {
    const full = join(root, candidate);
    if (existsSync(full) && statSync(full).isFile()) return candidate;
  }
  return joined;
}

/** Every import of every .ts file under the given repository-relative folders. */
export function readImports(root: string, dirs: readonly string[]): Import[] {
  return dirs.flatMap((dir) =>
    tsFiles(root, dir).flatMap((file) =>
      importSpecifiers(readFileSync(join(root, file), 'utf8')).map(({ specifier, typeOnly }) => ({
        file,
        target: specifier.startsWith('.') ? resolveRelative(root, file, specifier) : specifier,
        typeOnly,
        external: !specifier.startsWith('.'),
      })),
    ),
  );
}

export interface Arrow {
  readonly from: string;
  readonly to: string;
  /** True when every import behind the arrow is `import type`. */
  readonly typeOnly: boolean;
  /** The importing files, for telling where an arrow comes from. */
  readonly files: readonly string[];
}

/** Folder-to-folder arrows between project folders (packages and arrows within a folder left out). */
export function folderArrows(imports: readonly Import[]): Arrow[] {
  const byKey = new Map<
    string,
    { from: string; to: string; typeOnly: boolean; files: Set<string> }
  >();
  for (const imp of imports) {
    if (imp.external) continue;
    const from = folderOf(imp.file);
    const to = folderOf(imp.target);
    if (from === to) continue;
    const key = `${from} -> ${to}`;
    const arrow = byKey.get(key) ?? { from, to, typeOnly: true, files: new Set<string>() };
    arrow.typeOnly &&= imp.typeOnly;
    arrow.files.add(imp.file);
    byKey.set(key, arrow);
  }
  return [...byKey.values()]
    .map((a) => ({ ...a, files: [...a.files].sort() }))
    .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}

/** Groups of folders that import each other, directly or around a loop (strongly connected). */
export function folderCycles(arrows: readonly Arrow[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of arrows) next.set(from, [...(next.get(from) ?? []), to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (folder: string): void => {
    index.set(folder, index.size);
    low.set(folder, index.get(folder)!);
    stack.push(folder);
    onStack.add(folder);
    for (const to of next.get(folder) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(folder, Math.min(low.get(folder)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(folder, Math.min(low.get(folder)!, index.get(to)!));
      }
    }
    if (low.get(folder) !== index.get(folder)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== folder);
    if (group.length > 1) groups.push(group.sort());
  };
  for (const folder of [...next.keys()].sort()) if (!index.has(folder)) visit(folder);
  return groups;
}

/** One line per arrow, `from -> to`, marked when only types cross it. */
export function formatArrows(arrows: readonly Arrow[], withFiles = false): string {
  return arrows
    .map((a) => {
      const line = `${a.from} -> ${a.to}${a.typeOnly ? '  (types only)' : ''}`;
      return withFiles ? `${line}\n${a.files.map((f) => `    ${f}`).join('\n')}` : line;
    })
    .join('\n');
}

/** The files a file reaches through its relative imports, itself included. */
export function reachableFiles(imports: readonly Import[], start: string): Set<string> {
  const next = new Map<string, string[]>();
  for (const imp of imports) {
    if (!imp.external) next.set(imp.file, [...(next.get(imp.file) ?? []), imp.target]);
  }
  const seen = new Set<string>([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const target of next.get(queue.pop()!) ?? []) {
      if (seen.has(target)) continue;
      seen.add(target);
      queue.push(target);
    }
  }
  return seen;
}
