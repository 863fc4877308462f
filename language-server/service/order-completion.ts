// Completion in order payloads: the fields an order still lacks, and the values a field takes
// (symbols of the environment, actions, order types, time in force, the current price, the
// minimum quantity). JSON files use it directly; the inline extractor can reuse the value lists.
import { getLocation } from 'jsonc-parser';
import type { Location, Node } from 'jsonc-parser';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Instrument } from '../../api/market';
import type { Completion } from './assist-types';
import { instrumentDetail, instrumentMarkdown } from './instrument-docs';
import { parseJson, propertiesOf, rangeOf } from './json-document';
import type { CheckContext } from './market-context';
import type { OrderField } from './order-fields';
import { orderField, orderFields } from './order-fields';
import type { Position, Range } from './payload';

/** What is known of the order being completed, for values that depend on it. */
export interface OrderSoFar {
  symbol?: string;
  action?: string;
  present: ReadonlySet<string>;
}

const placeholder: Record<OrderField['kind'], string> = {
  symbol: '"${1}"',
  choice: '',
  quantity: '${1}',
  price: '${1}',
  text: '"${1}"',
};

/** The fields not yet present, as `"name": value` snippets for a JSON object. */
export function fieldCompletions(order: OrderSoFar, range: Range): Completion[] {
  return orderFields
    .filter((field) => !order.present.has(field.name))
    .map((field, index): Completion & { sortText: string } => {
      const value =
        field.kind === 'choice' ? `"\${1|${field.choices.join(',')}|}"` : placeholder[field.kind];
      return {
        label: field.name,
        kind: 'field',
        detail: field.required ? 'required' : 'optional',
        documentation: field.description,
        insertText: `"${field.name}": ${value}`,
        snippet: true,
        range,
        sortText: `${field.required ? 0 : 1}${String(index).padStart(2, '0')}`,
        filterText: `"${field.name}"`,
      };
    })
    .sort((a, b) => a.sortText.localeCompare(b.sortText));
}

/** The values a field takes, as JSON literals. */
export function valueCompletions(
  name: string,
  order: OrderSoFar,
  context: CheckContext,
  range: Range,
): Completion[] {
  const field = orderField(name);
  if (field === undefined) return [];
  const instrument = order.symbol === undefined ? undefined : context.instrument(order.symbol);
  switch (field.kind) {
    case 'symbol':
      return context.instruments.map((each, index) =>
        symbolCompletion(each, context, range, index),
      );
    case 'choice':
      return field.choices.map((choice) => ({
        label: choice,
        kind: 'value',
        insertText: JSON.stringify(choice),
        filterText: JSON.stringify(choice),
        range,
      }));
    case 'quantity':
      return instrument === undefined
        ? []
        : [
            {
              label: String(instrument.min_quantity),
              kind: 'value',
              detail: `the minimum for ${instrument.symbol}; steps of ${instrument.quantity_step}`,
              insertText: String(instrument.min_quantity),
              range,
            },
          ];
    case 'price':
      return priceCompletions(instrument, order, context, range);
    case 'text':
      return [];
    default: {
      const unexpected: never = field.kind;
      return unexpected;
    }
  }
}

/** Per context, each instrument's detail and documentation: the same for every completion. */
const symbolDocs = new WeakMap<
  CheckContext,
  Map<string, { detail: string; documentation: string }>
>();

export function symbolCompletion(
  instrument: Instrument,
  context: CheckContext,
  range: Range,
  index: number,
): Completion {
  let docs = symbolDocs.get(context);
  if (docs === undefined) {
    docs = new Map();
    symbolDocs.set(context, docs);
  }
  let doc = docs.get(instrument.symbol);
  if (doc === undefined) {
    doc = {
      detail: instrumentDetail(instrument),
      // Without the quote: computing one costs milliseconds per instrument, and the list has 540.
      documentation: instrumentMarkdown(instrument, context, { quote: false }),
    };
    docs.set(instrument.symbol, doc);
  }
  return {
    label: instrument.symbol,
    kind: 'symbol',
    detail: doc.detail,
    documentation: doc.documentation,
    insertText: JSON.stringify(instrument.symbol),
    filterText: JSON.stringify(instrument.symbol),
    sortText: String(index).padStart(4, '0'),
    range,
  };
}

function priceCompletions(
  instrument: Instrument | undefined,
  order: OrderSoFar,
  context: CheckContext,
  range: Range,
): Completion[] {
  const quote = instrument === undefined ? undefined : context.quote(instrument.symbol);
  if (quote === undefined) return [];
  const sides = [
    { price: quote.ask, what: 'the current ask' },
    { price: quote.bid, what: 'the current bid' },
  ];
  if (order.action === 'sell') sides.reverse();
  return sides.map((side, index) => ({
    label: String(side.price),
    kind: 'value',
    detail: `${side.what} of ${instrument?.symbol ?? ''}`,
    insertText: String(side.price),
    range,
    preselect: index === 0,
  }));
}

/** Completion at `position` of a `*.order.json` document. */
export function completeOrderJson(
  document: TextDocument,
  position: Position,
  context: CheckContext,
): Completion[] {
  const text = document.getText();
  const offset = document.offsetAt(position);
  const { root } = parseJson(document);
  if (root === undefined) return skeletons(position);
  const location = locate(text, offset, root);
  const { path } = location;
  // The order object is the root, or an item of the root array.
  const depth = typeof path[0] === 'number' ? 2 : 1;
  if (path.length !== depth) return [];
  const objectNode =
    depth === 1 ? (root.type === 'object' ? root : undefined) : root.children?.[Number(path[0])];
  const order = orderSoFar(objectNode);
  const previous = location.previousNode;
  const replace =
    previous !== undefined &&
    (previous.type === 'property' || previous.type === 'string' || previous.type === 'number')
      ? rangeOf(document, previous.offset, previous.length)
      : { start: position, end: position };
  if (location.isAtPropertyKey) {
    if (previous !== undefined && typeof previous.value === 'string') {
      const typed = new Set(order.present);
      typed.delete(previous.value);
      return fieldCompletions({ ...order, present: typed }, replace);
    }
    return fieldCompletions(order, replace);
  }
  const name = path[depth - 1];
  if (typeof name !== 'string') return [];
  return valueCompletions(name, order, context, replace);
}

function orderSoFar(object: Node | undefined): OrderSoFar {
  const present = new Set<string>();
  let symbol: string | undefined;
  let action: string | undefined;
  for (const { key, value } of object === undefined ? [] : propertiesOf(object)) {
    const name = String(key.value);
    present.add(name);
    if (name === 'symbol' && typeof value?.value === 'string') symbol = value.value;
    if (name === 'action' && typeof value?.value === 'string') action = value.value;
  }
  return {
    present,
    ...(symbol !== undefined && { symbol }),
    ...(action !== undefined && { action }),
  };
}

/** An empty order file: a whole order to start from. */
function skeletons(position: Position): Completion[] {
  const range = { start: position, end: position };
  const body = (type: string, price: string) =>
    [
      '{',
      '\t"symbol": "${1:EURUSD}",',
      '\t"action": "${2|buy,sell|}",',
      '\t"quantity": ${3:10000},',
      `\t"order_type": "${type}",${price}`,
      '\t"time_in_force": "${5|gtc,day,ioc|}"',
      '}',
    ].join('\n');
  return [
    {
      label: 'market order',
      kind: 'snippet',
      detail: 'a whole order',
      insertText: body('market', ''),
      snippet: true,
      range,
    },
    {
      label: 'limit order',
      kind: 'snippet',
      detail: 'a whole order',
      insertText: body('limit', '\n\t"limit_price": ${4},'),
      snippet: true,
      range,
    },
  ];
}

/**
 * jsonc-parser's getLocation, which scans from the start of the text, run on the one order of
 * an array that holds the cursor: completion in a file of thousands of orders then costs what it
 * costs in one.
 */
function locate(text: string, offset: number, root: Node): Location {
  const items = root.type === 'array' ? (root.children ?? []) : [];
  let low = 0;
  let high = items.length - 1;
  // The last item that starts before the cursor.
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (items[middle].offset < offset) low = middle;
    else high = middle - 1;
  }
  const item = items[low];
  if (item?.type === 'object' && item.offset < offset) {
    const end = item.offset + item.length;
    const closed = text[end - 1] === '}';
    if (offset < end || (offset === end && !closed)) {
      const local = getLocation(text.slice(item.offset, end), offset - item.offset);
      const previous = local.previousNode;
      const shifted: Location = { ...local, path: [low, ...local.path] };
      if (previous !== undefined) {
        shifted.previousNode = { ...previous, offset: previous.offset + item.offset };
      }
      return shifted;
    }
  }
  return getLocation(text, offset);
}
