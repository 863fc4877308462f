// Which documents the language server reads, and the one place where each kind of document is
// reduced to order payloads. The inline extractor (service/inline/) plugs in here.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { jsonOrderPayloads } from './json-payloads';
import type { Payload } from './payload';

export type DocumentKind = 'order-json' | 'strategy-config' | 'python' | 'typescript';

/** The document's kind by its name first (a `*.order.json` is JSON whatever it is opened as). */
export function documentKind(uri: string, languageId?: string): DocumentKind | undefined {
  const path = decodeURIComponent(uri.replace(/[?#].*$/, ''));
  if (path.endsWith('.order.json')) return 'order-json';
  if (/(^|[\\/])strategy\.json$/.test(path) || path.endsWith('.strategy.json')) {
    return 'strategy-config';
  }
  if (languageId === 'python' || /\.pyi?$/.test(path)) return 'python';
  const scripts = ['typescript', 'typescriptreact', 'javascript', 'javascriptreact'];
  if ((languageId !== undefined && scripts.includes(languageId)) || /\.[cm]?[jt]sx?$/.test(path)) {
    return 'typescript';
  }
  return undefined;
}

/**
 * Inline payloads are read asynchronously (tree-sitter, in WASM): the server and `tbm lint` read
 * them first and leave them here for the version they read, which the sync services then use.
 */
const inlineRead = new Map<string, { version: number; payloads: readonly Payload[] }>();

export function rememberInlinePayloads(document: TextDocument, payloads: readonly Payload[]): void {
  inlineRead.set(document.uri, { version: document.version, payloads });
}

export function forgetInlinePayloads(uri: string): void {
  inlineRead.delete(uri);
}

/** Every order payload written in the document. */
export function payloadsOf(document: TextDocument): Payload[] {
  const kind = documentKind(document.uri, document.languageId);
  switch (kind) {
    case 'order-json':
      return jsonOrderPayloads(document);
    case 'python':
    case 'typescript': {
      // Read for this version by the server or tbm lint (./inline/index.ts); none otherwise.
      const read = inlineRead.get(document.uri);
      return read?.version === document.version ? [...read.payloads] : [];
    }
    case 'strategy-config':
    case undefined:
      return [];
    default: {
      const unexpected: never = kind;
      return unexpected;
    }
  }
}
