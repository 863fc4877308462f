// What the extraction works on: spans of the text (UTF-16 offsets, as tree-sitter reports them
// for a JavaScript string), payloads in offsets, and the view of a call, a dict or an object
// literal that each language's dialect gives, so the rules are written once for both.
import type { Node } from '@vscode/tree-sitter-wasm';
import type { PayloadSource, PayloadValue } from '../payload';

export interface Span {
  start: number;
  end: number;
}

export type InsertStyle = 'python-dict' | 'python-kwargs' | 'ts-object';

/**
 * How keys are spelled where a field is added: `api` as the API names them (`limit_price`),
 * `camel` as the TypeScript SDK's order options (`limitPrice`).
 */
export type KeyNaming = 'api' | 'camel';

/**
 * How a field is written when it is not `key: value`: a positional argument (its key is its
 * value), a TypeScript shorthand (`{ symbol }`), or a key with no value yet (`{"sym"}` being
 * typed; only when reading leniently for completion).
 */
export type FieldRole = 'positional' | 'shorthand' | 'key-only';

export interface RawField {
  role?: FieldRole;
  name: string;
  written: string;
  key: Span;
  value: PayloadValue;
  valueSpan: Span;
}

/** A payload with offsets; turned into LSP positions when handed out. */
export interface RawPayload {
  source: Exclude<PayloadSource, 'json'>;
  span: Span;
  fields: RawField[];
  implied: Partial<Record<string, PayloadValue>>;
  open: boolean;
  insert?: { at: number; style: InsertStyle; naming: KeyNaming };
}

/** Which rule found a candidate. */
export type RuleName = 'sdk-call' | 'http-call' | 'request-description' | 'literal';

/** The call or literal a rule ran on: running it there again finds the candidate again. */
export interface Anchor {
  rule: RuleName;
  span: Span;
}

/**
 * A payload as one rule found it, with every span its finding depends on (the call, the
 * literal, the assignments a name was resolved through): a change in any of them means the
 * rule must run again on its anchor.
 */
export interface Candidate {
  payload: RawPayload;
  dependsOn: Span[];
  anchor: Anchor;
}

export function spanOf(node: Node): Span {
  return { start: node.startIndex, end: node.endIndex };
}

/** Touching counts: an edit right after a literal's closing brace may extend it. */
export function touches(a: Span, b: Span): boolean {
  return a.start <= b.end && b.start <= a.end;
}

export interface PositionalArgument {
  kind: 'positional';
  node: Node;
}

export interface KeywordArgument {
  kind: 'keyword';
  name: string;
  nameNode: Node;
  node: Node;
}

/** `*args` / `...args` (positional) or `**kwargs` (keyword): what they hold is unknown. */
export interface SpreadArgument {
  kind: 'spread' | 'keyword-spread';
  node: Node;
}

export type Argument = PositionalArgument | KeywordArgument | SpreadArgument;

export interface CallSyntax {
  node: Node;
  /** The last name of the callee: `post` for `requests.post`, `Request` for `new Request`. */
  name: string;
  /** What the method is called on (`ctx` in `ctx.buy`), when the callee is an attribute. */
  receiver: Node | undefined;
  args: Argument[];
  /** The argument list, parentheses included. */
  argumentsNode: Node;
}

export interface PairEntry {
  kind: 'pair';
  /** The key's text when it is a literal; undefined for a computed key. */
  key: string | undefined;
  keyNode: Node;
  valueNode: Node;
  /** `{ symbol }` in TypeScript: the key is the value. A key typed with no value yet. */
  role?: 'shorthand' | 'key-only';
}

export interface SpreadEntry {
  kind: 'spread';
  node: Node;
}

export type Entry = PairEntry | SpreadEntry;

/** A dict, `dict(...)` call or object literal. */
export interface ContainerSyntax {
  node: Node;
  entries: Entry[];
  style: InsertStyle;
  /** Where a new entry goes: after the last entry, or just inside the opening bracket. */
  insertAt: number;
}

/** What a string-like expression ends with: literal text, or an embedded expression. */
export interface StringTail {
  /** The literal text after the last interpolation (all of it when there is none). */
  text: string;
  /** The expression interpolated last, when the string ends with one. */
  endsWith: Node | undefined;
  /** True when the whole string is literal text. */
  literal: boolean;
}

export interface Assignment {
  /** The statement, for the spans a finding depends on. */
  statement: Node;
  /** The identifier assigned to. */
  target: Node;
  value: Node;
}

/** Where the language differs; every rule above it is shared. */
export interface Dialect {
  readonly grammar: 'python' | 'typescript';
  /**
   * Where payloads may start, found in the text before the tree is asked: SDK order calls
   * (group `sdk`), `/orders` at the end of a string (group `orders`), and a `symbol` key
   * (group `symbol`). Global, so `lastIndex` walks it.
   */
  readonly needles: RegExp;
  isCall(node: Node): boolean;
  call(node: Node): CallSyntax | undefined;
  /** A dict / object literal (or `dict(...)`), after unwrapping parentheses and casts. */
  container(node: Node): ContainerSyntax | undefined;
  /** A literal value; anything computed is dynamic. */
  value(node: Node): PayloadValue;
  /** Parentheses, `as`, `satisfies`, `!`: what is inside. */
  unwrap(node: Node): Node;
  /** `json.dumps(x)`, `JSON.stringify(x)`, `x.encode()`: the x, else the node itself. */
  unwrapJson(node: Node): Node;
  stringTail(node: Node): StringTail | undefined;
  /** `a + b`: the right operand (the end of a concatenated URL). */
  concatenationEnd(node: Node): Node | undefined;
  /** `"%s/orders" % base`, `"{}/orders".format(base)`: the string holding the text. */
  formatTemplate(node: Node): Node | undefined;
  isIdentifier(node: Node): boolean;
  isFunction(node: Node): boolean;
  isClassBody(node: Node): boolean;
  /** The plain assignment whose target is this identifier, if it is one. */
  assignmentOf(identifier: Node): Assignment | undefined;
  /** The identifier assigned, when the node is the value of a plain assignment. */
  assignedTo(node: Node): Node | undefined;
  /** The call, when the node is one of its arguments (positional, or a keyword's value). */
  argumentOf(node: Node): Node | undefined;
  /** The container and key, when the node is the value of one of its pairs. */
  pairOf(node: Node): { container: Node; key: string | undefined } | undefined;
  /** The string, when the node is the expression interpolated in it (`f"{x}"`, `${x}`). */
  interpolationOf(node: Node): Node | undefined;
  /** The identifier is a parameter of this function: its annotation's text, or '' if none. */
  parameterAnnotation(fn: Node, name: string): string | undefined;
  /** Whether the module imports the Timber SDK (looked for among its top-level statements). */
  importsSdk(root: Node): boolean;
  /** Spellings of keys in the SDK's order options for this language (TypeScript: camelCase). */
  optionName(written: string): string;
  /** A literal that means "not given" to the SDK's order options (`None`, `undefined`). */
  isAbsent(node: Node): boolean;
}
