// Order payloads written inline in Python, TypeScript and JavaScript, as `Payload`s for the
// checks. `inlinePayloads` reads a document once; `InlineDocuments` keeps a parse tree per open
// document and after an edit reparses incrementally and looks again only where it changed.
// `inlineContextAt` tells completion which payload and field the cursor is in.
//
// The parser is tree-sitter in WASM, loaded on first use from `grammarDirectory()` (see
// runtime.ts: the server calls `setGrammarDirectory(join(__dirname, 'wasm'))`).
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { toPayload } from './convert';
import type { InlinePayload } from './convert';
import { choosePayloads, Extraction } from './extract';
import { dialectOf } from './languages';
import { grammarForLanguageId, parserFor, reader } from './runtime';

export type { InlinePayload } from './convert';
export type { InsertStyle, KeyNaming } from './syntax';
export { InlineDocuments } from './documents';
export type { UpdateReport } from './documents';
export { inlineContextAt } from './context';
export type { InlineContext } from './context';
export { grammarDirectory, grammarFiles, setGrammarDirectory } from './runtime';

/** Whether documents of this VS Code language id can hold inline payloads. */
export function isInlineLanguage(languageId: string): boolean {
  return grammarForLanguageId(languageId) !== undefined;
}

/** Every payload in the document, read afresh (no tree is kept). Other languages: none. */
export async function inlinePayloads(document: TextDocument): Promise<InlinePayload[]> {
  const grammar = grammarForLanguageId(document.languageId);
  if (grammar === undefined) return [];
  const parser = await parserFor(grammar);
  const text = document.getText();
  const tree = parser.parse(reader(text));
  if (tree === null) return [];
  try {
    const candidates = new Extraction(dialectOf(grammar), tree.rootNode, text).run();
    return choosePayloads(candidates).map((payload) => toPayload(payload, document));
  } finally {
    tree.delete();
  }
}
