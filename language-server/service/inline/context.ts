// Where the cursor is, for completion inside an inline payload: which payload, whether a key or
// a value is being typed (and of which field), what a completion replaces and how keys are
// spelled there. Half-typed code is read leniently (lenient.ts), and only around the cursor: the
// payloads its calls and literals make, from the tree InlineDocuments keeps when it has one.
import type { Node } from '@vscode/tree-sitter-wasm';
import type { Position, TextDocument } from 'vscode-languageserver-textdocument';
import type { PayloadField, Range } from '../payload';
import type { InlinePayload } from './convert';
import { rangeOf, toPayload } from './convert';
import type { InlineDocuments } from './documents';
import { dialectOf } from './languages';
import { lenient } from './lenient';
import { Resolver } from './resolve';
import { Rules } from './rules';
import { grammarForLanguageId, parserFor, reader } from './runtime';
import type { Candidate, Dialect, InsertStyle, KeyNaming, RawField, Span } from './syntax';
import { spanOf } from './syntax';

export interface InlineContext {
  payload: InlinePayload;
  /** A key is being written, or may be written here; or the value of a field. */
  at: 'key' | 'value';
  /**
   * The API name of the field whose value holds the cursor (`symbol` for the first argument of
   * `ctx.buy(` even before it is written), or whose key is being typed.
   */
  name?: string;
  /** The field, when it is written. */
  field?: PayloadField;
  /** What a completion replaces: the word or the string's text being typed (maybe empty). */
  replace: Range;
  /** The cursor is inside a string with this quote: a completion inserts bare text. */
  quote?: string;
  /** How a key is written here, and spelled: the API's names, or the TypeScript SDK's options. */
  style: InsertStyle;
  naming: KeyNaming;
  /** API names of the fields written already (the one being typed left out). */
  present: string[];
}

/**
 * The payload context at the position, or undefined outside any payload. With the server's
 * `InlineDocuments`, the tree it keeps for the document is used (no parse); otherwise the
 * document is parsed here.
 */
export async function inlineContextAt(
  document: TextDocument,
  position: Position,
  documents?: InlineDocuments,
): Promise<InlineContext | undefined> {
  const grammar = grammarForLanguageId(document.languageId);
  if (grammar === undefined) return undefined;
  const text = document.getText();
  const offset = document.offsetAt(position);
  const kept = await documents?.withTree(document.uri, (tree, dialect, facts, parsed) =>
    parsed === text ? { found: contextIn(tree.rootNode, dialect, facts.importsSdk) } : undefined,
  );
  if (kept !== undefined) return kept.found;
  const parser = await parserFor(grammar);
  const tree = parser.parse(reader(text));
  if (tree === null) return undefined;
  try {
    const dialect = dialectOf(grammar);
    return contextIn(tree.rootNode, dialect, dialect.importsSdk(tree.rootNode));
  } finally {
    tree.delete();
  }

  function contextIn(root: Node, dialect: Dialect, importsSdk: boolean) {
    const reading = lenient(dialect);
    const rules = new Rules(reading, new Resolver(reading, root, text), importsSdk);
    const cursor = root.descendantForIndex(Math.max(0, offset - 1), offset);
    if (cursor === null) return undefined;
    const around = candidatesAround(reading, rules, cursor);
    const inside = around
      .filter((candidate) => holds(reading, root, candidate, offset))
      .sort((a, b) => size(a.payload.span) - size(b.payload.span));
    const chosen = inside[0];
    return chosen && describe(reading, root, chosen, offset, document);
  }
}

function size(span: Span): number {
  return span.end - span.start;
}

/** The payloads the calls and literals around the cursor make (also through a name). */
function candidatesAround(dialect: Dialect, rules: Rules, cursor: Node): Candidate[] {
  const found: Candidate[] = [];
  const calls = (node: Node) => {
    if (dialect.isCall(node)) found.push(...rules.sdkCall(node), ...rules.httpCall(node));
  };
  for (let node: Node | null = cursor; node !== null; node = node.parent) {
    if (dialect.isFunction(node)) break;
    calls(node);
    if (dialect.container(node) === undefined) continue;
    found.push(...rules.literal(node), ...rules.requestDescription(node));
    // `order = {...}` sent further on: the calls that read the name.
    const target = dialect.assignedTo(node);
    const assignment = target && dialect.assignmentOf(target);
    if (assignment === undefined) continue;
    for (const use of rules.resolver.usesOf(assignment)) {
      let reader: Node | null = use;
      for (let depth = 0; reader !== null && depth < 6; depth++, reader = reader.parent) {
        calls(reader);
      }
    }
  }
  return found;
}

/** The node spanning exactly this span. */
function nodeAt(root: Node, span: Span): Node | undefined {
  const node = root.descendantForIndex(span.start, span.end);
  return node !== null && node.startIndex === span.start && node.endIndex === span.end
    ? node
    : undefined;
}

/** Strictly inside the literal's brackets, or the call's parentheses. */
function holds(dialect: Dialect, root: Node, candidate: Candidate, offset: number): boolean {
  const { span } = candidate.payload;
  if (!(span.start < offset && offset < span.end)) return false;
  const node = nodeAt(root, span);
  const call = node && dialect.call(node);
  return call === undefined || call.argumentsNode.startIndex < offset;
}

function holdsOffset(node: Node, offset: number): boolean {
  return node.startIndex < offset && offset < node.endIndex;
}

function within(span: Span, offset: number): boolean {
  return span.start <= offset && offset <= span.end;
}

function describe(
  dialect: Dialect,
  root: Node,
  candidate: Candidate,
  offset: number,
  document: TextDocument,
): InlineContext | undefined {
  const raw = candidate.payload;
  const payload = toPayload(raw, document);
  const style = raw.insert?.style ?? (dialect.grammar === 'python' ? 'python-kwargs' : 'ts-object');
  const naming = raw.insert?.naming ?? (dialect.grammar === 'python' ? 'api' : 'camel');
  const base = { payload, style, naming };
  const present = (except?: RawField) =>
    raw.fields.filter((each) => each !== except).map((each) => each.name);
  const text = document.getText();
  // Between a key and its value counts as the value; so do the blanks after a value not yet
  // written (`"limit_price": |`).
  const valueZone = (field: RawField): Span => {
    const start = field.role === undefined ? field.key.end + 1 : field.valueSpan.start;
    let end = field.valueSpan.end;
    if (field.valueSpan.start === field.valueSpan.end) {
      while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
    }
    return { start: Math.min(start, field.valueSpan.start), end };
  };
  const index = raw.fields.findIndex(
    (field) => within(field.key, offset) || within(valueZone(field), offset),
  );
  const field = raw.fields[index];
  if (field !== undefined) {
    const onKey = within(field.key, offset) && field.role !== 'positional';
    let typed = textOf(dialect, root, offset, document);
    // A number, a boolean or null written as the value: replaced whole.
    const { valueSpan } = field;
    if (!onKey && typed.quote === undefined && field.value.kind !== 'dynamic') {
      if (within(valueSpan, offset)) typed = { replace: rangeOf(valueSpan, document) };
    }
    return {
      ...base,
      at: onKey ? 'key' : 'value',
      name: field.name,
      field: payload.fields[index],
      ...typed,
      present: present(onKey ? field : undefined),
    };
  }
  // A new key, or in an SDK call a positional argument not written yet.
  const call = nodeAt(root, raw.span);
  const syntax = call && dialect.call(call);
  if (syntax !== undefined && (syntax.name === 'buy' || syntax.name === 'sell')) {
    const slot = syntax.argumentsNode.children.filter(
      (child) => child?.type === ',' && child.endIndex <= offset,
    ).length;
    if (slot < 2) {
      const name = slot === 0 ? 'symbol' : 'quantity';
      const typed = textOf(dialect, root, offset, document);
      return { ...base, at: 'value', name, ...typed, present: present() };
    }
    // TypeScript's options are keys only inside their object literal.
    const options = syntax.args[2];
    const object = options?.kind === 'positional' ? dialect.container(options.node) : undefined;
    if (
      dialect.grammar !== 'python' &&
      (object === undefined || !holdsOffset(object.node, offset))
    ) {
      return undefined;
    }
  }
  const typed = textOf(dialect, root, offset, document);
  return { ...base, at: 'key', ...typed, present: present() };
}

/**
 * What a completion at `offset` replaces: the text of the string the cursor is in (and its
 * quote), else the word it ends or is in, else nothing yet.
 */
function textOf(
  dialect: Dialect,
  root: Node,
  offset: number,
  document: TextDocument,
): { replace: Range; quote?: string } {
  const cursor = root.descendantForIndex(Math.max(0, offset - 1), offset);
  let string: Node | null = cursor;
  for (let depth = 0; string !== null && depth < 3; depth++, string = string.parent) {
    if (dialect.stringTail(string) !== undefined) break;
  }
  if (string !== null && string.startIndex < offset && offset < string.endIndex) {
    const opening = /^[a-zA-Z]*("""|'''|"|'|`)/.exec(string.text);
    if (opening !== null) {
      const quote = opening[1];
      const start = string.startIndex + opening[0].length;
      const end = string.text.endsWith(quote) ? string.endIndex - quote.length : string.endIndex;
      if (start <= offset && offset <= end) {
        return { replace: rangeOf({ start, end }, document), quote: quote[0] };
      }
    }
  }
  if (cursor !== null && cursor.type.includes('identifier') && offset <= cursor.endIndex) {
    return { replace: rangeOf(spanOf(cursor), document) };
  }
  return { replace: rangeOf({ start: offset, end: offset }, document) };
}
