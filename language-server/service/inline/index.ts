// Order payloads written inline in Python, TypeScript and JavaScript, as `Payload`s for the
// checks. How the server uses it:
//
//   const inline = new InlineDocuments();
//   didOpen:   payloads = await inline.open(document)              (python, typescript,
//   didChange: payloads = await inline.update(document, changes)     typescriptreact, javascript,
//   didClose:  inline.close(uri); on shutdown inline.dispose()       javascriptreact; others: [])
//   completion: await inlineContextAt(document, position, inline)
//
// `update` takes the LSP content changes as received, with the document already updated; it
// reparses incrementally and looks again only in the functions the edit touched. `tbm lint` and
// one-off reads call `inlinePayloads(document)`, which keeps nothing.
//
// A payload's `insert` says where a quick fix adds a field: just after the last entry (or just
// inside the opening bracket), so a fix writes `, key: value` unless the text before `at` ends
// in `{`, `(` or `,`. `insert.naming` says how the key is spelled: `camel` in a TypeScript
// `ctx.buy/sell` options object (`limitPrice`), `api` everywhere else. A TypeScript buy/sell
// without an options object has no `insert`.
//
// The parser is tree-sitter in WASM, loaded once on first use from `grammarDirectory()`: beside
// the bundle (`dist/wasm`, copied by scripts/build.mjs) or from the installed package in
// development; `setGrammarDirectory` says otherwise.
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
