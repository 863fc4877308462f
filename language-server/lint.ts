// `tbm lint` without the printing: the files under the given paths that the language server
// reads, each checked by the same services, with a note for what was not checked (too large,
// binary, not a regular file) instead of a hang.
import type { Stats } from 'node:fs';
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { DiagnoseOptions } from './service/diagnose';
import { diagnose } from './service/diagnose';
import { documentKind, forgetInlinePayloads, rememberInlinePayloads } from './service/documents';
import { inlinePayloads } from './service/inline/index';
import type { Finding } from './service/findings';
import type { CheckContext } from './service/market-context';

export interface LintOptions {
  context: CheckContext;
  /** Files larger than this are skipped with a note. */
  maxBytes?: number;
}

export interface LintedFile {
  /** Absolute. */
  file: string;
  findings: Finding[];
}

export interface LintNote {
  file: string;
  message: string;
}

export interface LintReport {
  files: LintedFile[];
  notes: LintNote[];
  /** Paths given that do not exist. */
  missing: string[];
}

export const defaultMaxBytes = 5_000_000;

/** Folders never walked: dependencies, build output, version control, run records. */
const skippedFolders = new Set(['node_modules', 'dist', 'out', 'build', '__pycache__', 'venv']);

const languageIds = {
  'order-json': 'json',
  'strategy-config': 'json',
  python: 'python',
  typescript: 'typescript',
} as const;

export async function lintPaths(
  paths: readonly string[],
  options: LintOptions,
): Promise<LintReport> {
  const report: LintReport = { files: [], notes: [], missing: [] };
  const files = new Set<string>();
  for (const path of paths) {
    const absolute = resolve(path);
    const info = await lstat(absolute).catch(() => undefined);
    if (info === undefined) report.missing.push(path);
    else if (info.isDirectory()) await walk(absolute, files);
    else if (documentKind(absolute) !== undefined) files.add(absolute);
    else
      report.notes.push({
        file: absolute,
        message: 'not checked: not an order, strategy config or script file',
      });
  }
  for (const file of [...files].sort()) {
    const linted = await lintFile(file, options, report.notes);
    if (linted !== undefined) report.files.push(linted);
  }
  return report;
}

async function walk(folder: string, files: Set<string>): Promise<void> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(folder, entry.name);
    // Symbolic links are not followed: no loops, and nothing outside the given paths.
    if (entry.isDirectory()) {
      if (!entry.name.startsWith('.') && !skippedFolders.has(entry.name)) await walk(path, files);
    } else if (
      entry.isFile() &&
      documentKind(path) !== undefined &&
      !entry.name.endsWith('.d.ts')
    ) {
      files.add(path);
    }
  }
}

export async function lintFile(
  file: string,
  options: LintOptions,
  notes: LintNote[],
): Promise<LintedFile | undefined> {
  const maxBytes = options.maxBytes ?? defaultMaxBytes;
  let info: Stats;
  try {
    info = await stat(file);
  } catch (error) {
    notes.push({ file, message: `not checked: ${(error as Error).message}` });
    return undefined;
  }
  if (!info.isFile()) {
    notes.push({ file, message: 'not checked: not a regular file' });
    return undefined;
  }
  if (info.size > maxBytes) {
    notes.push({
      file,
      message: `not checked: ${info.size} bytes, over the ${maxBytes}-byte limit`,
    });
    return undefined;
  }
  const bytes = await readFile(file);
  if (bytes.subarray(0, 8192).includes(0)) {
    notes.push({ file, message: 'not checked: a binary file' });
    return undefined;
  }
  const kind = documentKind(file);
  if (kind === undefined) return undefined;
  const uri = pathToFileURL(file).href;
  const document = TextDocument.create(uri, languageIds[kind], 1, bytes.toString('utf8'));
  const beside = await readdir(dirname(file)).catch(() => undefined);
  const diagnoseOptions: DiagnoseOptions = { filesBeside: () => beside };
  // Orders written inline in code are read first (tree-sitter, asynchronously), then checked.
  const inline = kind === 'python' || kind === 'typescript';
  if (inline) rememberInlinePayloads(document, await inlinePayloads(document));
  try {
    return { file, findings: diagnose(document, options.context, diagnoseOptions) };
  } finally {
    if (inline) forgetInlinePayloads(uri);
  }
}
