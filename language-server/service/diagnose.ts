// Everything wrong with one document, whatever its kind: what the server publishes and what
// `tbm lint` prints.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Finding } from './findings';
import { orderedFindings } from './findings';
import { documentKind, payloadsOf } from './documents';
import { parseJson, syntaxFindings } from './json-document';
import type { CheckContext } from './market-context';
import { checkOrderFile } from './order-file-check';
import type { ConfigCheckOptions } from './strategy-config';
import { checkStrategyConfig } from './strategy-config';
import { checkPayloads } from './validate';

export interface DiagnoseOptions extends ConfigCheckOptions {
  /** Report JSON syntax errors; off where the editor's own JSON support reports them. */
  syntax?: boolean;
}

export function diagnose(
  document: TextDocument,
  context: CheckContext,
  options: DiagnoseOptions = {},
): Finding[] {
  const kind = documentKind(document.uri, document.languageId);
  if (kind === undefined) return [];
  const syntax = (): Finding[] =>
    options.syntax === false ? [] : syntaxFindings(parseJson(document));
  switch (kind) {
    case 'order-json':
      return orderedFindings([...syntax(), ...checkOrderFile(parseJson(document), context)]);
    case 'strategy-config':
      return orderedFindings([...syntax(), ...checkStrategyConfig(document, context, options)]);
    case 'python':
    case 'typescript':
      return checkPayloads(payloadsOf(document), context);
    default: {
      const unexpected: never = kind;
      return unexpected;
    }
  }
}
