// Completion, hover and code lenses for any document the server reads, by its kind.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Completion, Hover } from './assist-types';
import { documentKind, payloadsOf } from './documents';
import type { OrderLens } from './lens';
import { orderLenses } from './lens';
import type { CheckContext } from './market-context';
import { completeOrderJson } from './order-completion';
import { hoverPayloads } from './order-hover';
import type { Position } from './payload';
import type { ConfigCompletionOptions } from './strategy-assist';
import { completeStrategyConfig, hoverStrategyConfig } from './strategy-assist';

export type { Completion, Hover } from './assist-types';
export type { OrderLens } from './lens';

export function completionsAt(
  document: TextDocument,
  position: Position,
  context: CheckContext,
  options: ConfigCompletionOptions = {},
): Completion[] {
  switch (documentKind(document.uri, document.languageId)) {
    case 'order-json':
      return completeOrderJson(document, position, context);
    case 'strategy-config':
      return completeStrategyConfig(document, position, context, options);
    default:
      // Inline payloads: completion inside literals comes with the inline extractor.
      return [];
  }
}

export function hoverAt(
  document: TextDocument,
  position: Position,
  context: CheckContext,
): Hover | undefined {
  if (documentKind(document.uri, document.languageId) === 'strategy-config') {
    return hoverStrategyConfig(document, position, context);
  }
  return hoverPayloads(payloadsOf(document), position, context);
}

export function lensesOf(document: TextDocument): OrderLens[] {
  return orderLenses(payloadsOf(document));
}
