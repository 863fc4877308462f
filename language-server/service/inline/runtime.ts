// The tree-sitter runtime and its grammars, loaded from WASM files once, on first use. The files
// are found in one directory: `dist/wasm/` beside a bundle (scripts/build.mjs copies them there),
// or `node_modules/@vscode/tree-sitter-wasm/wasm/` in development. A caller that knows where its
// bundle lives says so with `setGrammarDirectory` before the first parse.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import * as treeSitterModule from '@vscode/tree-sitter-wasm';
import type { Language, Parser } from '@vscode/tree-sitter-wasm';
import grammarFileList from './grammar-files.json';

/** The grammars inline payloads are read with. JavaScript is read with the TSX grammar. */
export type GrammarName = 'python' | 'typescript' | 'tsx';

/** The files a packaged extension must ship in its grammar directory (the build copies them). */
export const grammarFiles: readonly string[] = grammarFileList;

// The package is CommonJS: under Node's ESM loader its exports arrive as `default`.
type TreeSitter = typeof treeSitterModule;
const treeSitter: TreeSitter =
  (treeSitterModule as TreeSitter & { default?: TreeSitter }).default ?? treeSitterModule;

let configuredDirectory: string | undefined;
let runtime: Promise<void> | undefined;
const languages = new Map<GrammarName, Promise<Language>>();

/**
 * Where the WASM files are. Takes effect for what is not loaded yet; call it before the first
 * parse (the language server with `join(__dirname, 'wasm')`, `tbm lint` with its bundle's folder).
 */
export function setGrammarDirectory(directory: string): void {
  configuredDirectory = resolve(directory);
}

/** The directory the files are read from: the configured one, else the first that holds them. */
export function grammarDirectory(): string {
  if (configuredDirectory !== undefined) return configuredDirectory;
  const candidates = defaultCandidates();
  const found = candidates.find((directory) => existsSync(join(directory, 'tree-sitter.wasm')));
  if (found === undefined) throw missing(candidates);
  return found;
}

function missing(directories: readonly string[]): Error {
  return new Error(
    `the tree-sitter WASM files (${grammarFiles.join(', ')}) were not found in ` +
      `${directories.join(' or ')}; build with \`npm run build\` (which copies them to ` +
      'dist/wasm) or point setGrammarDirectory at a folder that holds them',
  );
}

/** A file of the grammar directory; an error that says what to do if it is not there. */
function grammarFile(name: string): string {
  const directory = grammarDirectory();
  const path = join(directory, name);
  if (!existsSync(path)) throw missing([directory]);
  return path;
}

function defaultCandidates(): string[] {
  const candidates: string[] = [];
  // A CommonJS bundle (dist/language-server.cjs) has its files beside it in dist/wasm.
  if (typeof __dirname === 'string') candidates.push(join(__dirname, 'wasm'));
  const program = process.argv[1];
  if (program) candidates.push(join(dirname(resolve(program)), 'wasm'));
  // In development the package is installed where the program (a test, tsx) resolves modules.
  if (program) {
    try {
      const manifest = createRequire(resolve(program)).resolve(
        '@vscode/tree-sitter-wasm/package.json',
      );
      candidates.push(join(dirname(manifest), 'wasm'));
    } catch {
      // Not installed there: only the folders above can hold the files.
    }
  }
  return candidates;
}

function loadRuntime(): Promise<void> {
  if (runtime === undefined) {
    const loading = initialise();
    runtime = loading;
    // Let a later call try again, e.g. after setGrammarDirectory.
    loading.catch(() => {
      if (runtime === loading) runtime = undefined;
    });
  }
  return runtime;
}

async function initialise(): Promise<void> {
  const path = grammarFile('tree-sitter.wasm');
  await treeSitter.Parser.init({ locateFile: () => path });
}

/** The grammar, loaded once; the runtime first. */
export function loadLanguage(name: GrammarName): Promise<Language> {
  let language = languages.get(name);
  if (language === undefined) {
    language = loadRuntime().then(async () => {
      const bytes = await readFile(grammarFile(`tree-sitter-${name}.wasm`));
      return treeSitter.Language.load(new Uint8Array(bytes));
    });
    languages.set(name, language);
    language.catch(() => languages.delete(name));
  }
  return language;
}

/** A parser for the grammar. Parsing is synchronous, so one parser per grammar is shared. */
const parsers = new Map<GrammarName, Parser>();

export async function parserFor(name: GrammarName): Promise<Parser> {
  const language = await loadLanguage(name);
  let parser = parsers.get(name);
  if (parser === undefined) {
    parser = new treeSitter.Parser();
    parser.setLanguage(language);
    parsers.set(name, parser);
  }
  return parser;
}

/** The grammar a document of this VS Code language id is read with, if inline payloads apply. */
export function grammarForLanguageId(languageId: string): GrammarName | undefined {
  switch (languageId) {
    case 'python':
      return 'python';
    case 'typescript':
      return 'typescript';
    case 'typescriptreact':
    case 'javascript':
    case 'javascriptreact':
      return 'tsx';
    default:
      return undefined;
  }
}

/**
 * The text in the chunks tree-sitter asks for. Handing it the string would have it slice
 * all of the rest of the text at every request.
 */
export function reader(text: string): (index: number) => string {
  return (index) => text.slice(index, index + 16_384);
}
