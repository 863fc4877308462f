// Completion and hover in strategy configs: symbols from the environment, intervals, the keys a
// config, its risk and its backtest take, with the schema's descriptions; on a symbol, the
// instrument; on a backtest bound, the instant it means and the data it falls in.
import type { Node } from 'jsonc-parser';
import { findNodeAtLocation, findNodeAtOffset, getLocation, getNodePath } from 'jsonc-parser';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ZodType } from 'zod';
import { intervals } from '../../api/common';
import { ConfigInstant, StrategyConfig } from '../../api/strategy-config';
import type { Completion, Hover } from './assist-types';
import { instrumentMarkdown } from './instrument-docs';
import { nodeRange, parseJson, propertiesOf, rangeOf } from './json-document';
import type { CheckContext } from './market-context';
import { symbolCompletion } from './order-completion';
import type { Position } from './payload';
import { historyStart } from './strategy-rules';

type Section = 'root' | 'risk' | 'backtest';

function sectionShape(section: Section): Record<string, ZodType> {
  const shape = StrategyConfig.shape;
  if (section === 'risk') return shape.risk.unwrap().shape;
  if (section === 'backtest') return shape.backtest.unwrap().shape;
  return shape;
}

function sectionOf(path: readonly (string | number)[]): Section | undefined {
  if (path.length === 1) return 'root';
  if (path.length === 2 && (path[0] === 'risk' || path[0] === 'backtest')) return path[0];
  return undefined;
}

export interface ConfigCompletionOptions {
  /** Offer keys too; off where the editor completes them from the JSON Schema itself. */
  keys?: boolean;
}

export function completeStrategyConfig(
  document: TextDocument,
  position: Position,
  context: CheckContext,
  options: ConfigCompletionOptions = {},
): Completion[] {
  const text = document.getText();
  const { root } = parseJson(document);
  const location = getLocation(text, document.offsetAt(position));
  const previous = location.previousNode;
  const range =
    previous !== undefined && ['property', 'string', 'number'].includes(previous.type)
      ? rangeOf(document, previous.offset, previous.length)
      : { start: position, end: position };
  const path = location.path.filter((part) => part !== '');
  if (location.isAtPropertyKey) {
    const section = sectionOf(location.path);
    if (section === undefined || options.keys === false) return [];
    const objectPath = location.path.slice(0, -1);
    const object = root === undefined ? undefined : findNodeAtLocation(root, objectPath);
    const present = new Set(
      (object === undefined ? [] : propertiesOf(object)).map(({ key }) => String(key.value)),
    );
    if (previous !== undefined && typeof previous.value === 'string')
      present.delete(previous.value);
    return Object.entries(sectionShape(section))
      .filter(([name]) => !present.has(name) && name !== '$schema')
      .map(([name, schema]) => ({
        label: name,
        kind: 'field',
        documentation: schema.description ?? '',
        insertText: `"${name}": `,
        filterText: `"${name}"`,
        range,
      }));
  }
  if (path[0] === 'symbols' && typeof path[1] === 'number') {
    const listed = new Set(
      (root === undefined ? undefined : findNodeAtLocation(root, ['symbols']))?.children?.map(
        (item) => String(item.value),
      ),
    );
    return context.instruments
      .filter((each) => !listed.has(each.symbol) || each.symbol === previous?.value)
      .map((each, index) => symbolCompletion(each, context, range, index));
  }
  if (path.length === 1 && path[0] === 'interval') {
    return intervals.map((interval) => ({
      label: interval,
      kind: 'value',
      insertText: JSON.stringify(interval),
      filterText: JSON.stringify(interval),
      range,
    }));
  }
  return [];
}

export function hoverStrategyConfig(
  document: TextDocument,
  position: Position,
  context: CheckContext,
): Hover | undefined {
  const { root } = parseJson(document);
  if (root === undefined) return undefined;
  const node = findNodeAtOffset(root, document.offsetAt(position));
  if (node === undefined) return undefined;
  const path = getNodePath(node);
  const isKey = node.parent?.type === 'property' && node.parent.children?.[0] === node;
  const range = nodeRange(document, node);
  if (isKey) {
    const section = sectionOf(path);
    const name = path.at(-1);
    const schema =
      section === undefined || typeof name !== 'string' ? undefined : sectionShape(section)[name];
    if (schema?.description === undefined) return undefined;
    return { contents: `**${path.join('.')}**\n\n${schema.description}`, range };
  }
  if (path[0] === 'symbols' && typeof node.value === 'string') {
    const instrument = context.instrument(node.value);
    return instrument === undefined
      ? undefined
      : { contents: instrumentMarkdown(instrument, context), range };
  }
  if (path[0] === 'backtest' && (path[1] === 'from' || path[1] === 'to')) {
    return backtestBoundHover(node, range, context);
  }
  return undefined;
}

function backtestBoundHover(
  node: Node,
  range: Hover['range'],
  context: CheckContext,
): Hover | undefined {
  const instant = ConfigInstant.safeParse(node.value);
  if (!instant.success) return undefined;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    contents: [
      `\`${iso(instant.data)}\` (${instant.data} ms)`,
      '',
      `Market data reaches from ${iso(historyStart(context.now)).slice(0, 10)} to the market clock, ${iso(context.now).slice(0, 16).replace('T', ' ')} UTC.`,
    ].join('\n'),
    range,
  };
}
