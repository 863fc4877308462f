// The Python view of calls, dicts and literals (tree-sitter-python's node types).
import type { Node } from '@vscode/tree-sitter-wasm';
import type { PayloadValue } from '../payload';
import { numberValue, signedNumberValue, unescape } from './literals';
import type {
  Argument,
  Assignment,
  CallSyntax,
  ContainerSyntax,
  Dialect,
  Entry,
  StringTail,
} from './syntax';

const dynamic: PayloadValue = { kind: 'dynamic' };

function children(node: Node): Node[] {
  const found: Node[] = [];
  for (let index = 0; index < node.namedChildCount; index++) {
    const child = node.namedChild(index);
    if (child !== null && child.type !== 'comment') found.push(child);
  }
  return found;
}

function unwrap(node: Node): Node {
  let current = node;
  while (current.type === 'parenthesized_expression') {
    const inner = children(current)[0];
    if (inner === undefined) break;
    current = inner;
  }
  return current;
}

function call(node: Node): CallSyntax | undefined {
  if (node.type !== 'call') return undefined;
  const callee = node.childForFieldName('function');
  const argumentsNode = node.childForFieldName('arguments');
  if (callee === null || argumentsNode === null || argumentsNode.type !== 'argument_list') {
    return undefined;
  }
  let name: string;
  let receiver: Node | undefined;
  if (callee.type === 'identifier') name = callee.text;
  else if (callee.type === 'attribute') {
    const attribute = callee.childForFieldName('attribute');
    const object = callee.childForFieldName('object');
    if (attribute === null || object === null) return undefined;
    name = attribute.text;
    receiver = object;
  } else return undefined;
  const args: Argument[] = [];
  for (const child of children(argumentsNode)) {
    switch (child.type) {
      case 'keyword_argument': {
        const nameNode = child.childForFieldName('name');
        const value = child.childForFieldName('value');
        if (nameNode !== null && value !== null) {
          args.push({ kind: 'keyword', name: nameNode.text, nameNode, node: value });
        }
        break;
      }
      case 'list_splat':
        args.push({ kind: 'spread', node: child });
        break;
      case 'dictionary_splat':
        args.push({ kind: 'keyword-spread', node: child });
        break;
      default:
        args.push({ kind: 'positional', node: child });
    }
  }
  return { node, name, receiver, args, argumentsNode };
}

function container(node: Node): ContainerSyntax | undefined {
  const target = unwrap(node);
  if (target.type === 'dictionary') {
    const entries: Entry[] = [];
    for (const child of children(target)) {
      if (child.type === 'pair') {
        const keyNode = child.childForFieldName('key');
        const valueNode = child.childForFieldName('value');
        if (keyNode === null || valueNode === null) continue;
        entries.push({
          kind: 'pair',
          key: stringValue(keyNode),
          keyNode,
          valueNode,
        });
      } else if (child.type === 'dictionary_splat') entries.push({ kind: 'spread', node: child });
    }
    const last = entries.at(-1);
    const lastNode =
      last === undefined ? undefined : last.kind === 'pair' ? last.valueNode : last.node;
    return {
      node: target,
      entries,
      style: 'python-dict',
      insertAt: lastNode?.endIndex ?? target.startIndex + 1,
    };
  }
  // dict(symbol="EURUSD", quantity=1000): keyword arguments are its keys.
  const dictCall = call(target);
  if (dictCall === undefined || dictCall.name !== 'dict' || dictCall.receiver !== undefined) {
    return undefined;
  }
  const entries: Entry[] = [];
  for (const argument of dictCall.args) {
    if (argument.kind === 'keyword') {
      entries.push({
        kind: 'pair',
        key: argument.name,
        keyNode: argument.nameNode,
        valueNode: argument.node,
      });
    } else entries.push({ kind: 'spread', node: argument.node });
  }
  const lastArgument = dictCall.args.at(-1);
  return {
    node: target,
    entries,
    style: 'python-kwargs',
    insertAt: lastArgument?.node.endIndex ?? dictCall.argumentsNode.startIndex + 1,
  };
}

/** The decoded text of a string without interpolations (or of adjacent ones); else undefined. */
function stringValue(node: Node): string | undefined {
  const target = unwrap(node);
  if (target.type === 'concatenated_string') {
    let text = '';
    for (const part of children(target)) {
      const value = stringValue(part);
      if (value === undefined) return undefined;
      text += value;
    }
    return text;
  }
  const tail = stringTail(target);
  return tail?.literal ? tail.text : undefined;
}

function stringTail(node: Node): StringTail | undefined {
  const target = unwrap(node);
  if (target.type === 'concatenated_string') {
    const last = children(target).at(-1);
    return last === undefined ? undefined : stringTail(last);
  }
  if (target.type !== 'string') return undefined;
  const start = target.child(0);
  if (start === null || start.type !== 'string_start') return undefined;
  const prefix = start.text.replace(/["']+$/, '').toLowerCase();
  // Bytes are not text: what they would become in JSON is not what is written.
  if (prefix.includes('b')) return undefined;
  const raw = prefix.includes('r');
  const formatted = prefix.includes('f');
  let text = '';
  let endsWith: Node | undefined;
  let literal = true;
  for (let index = 1; index < target.childCount; index++) {
    const part = target.child(index);
    if (part === null || part.type === 'string_end') continue;
    if (part.type === 'interpolation') {
      literal = false;
      text = '';
      endsWith = part.childForFieldName('expression') ?? undefined;
      continue;
    }
    if (part.type !== 'string_content') continue;
    endsWith = undefined;
    let content = raw ? part.text : unescape(part.text, 'python');
    if (formatted) content = content.replace(/\{\{/g, '{').replace(/\}\}/g, '}');
    text += content;
  }
  return { text, endsWith, literal };
}

function value(node: Node): PayloadValue {
  const target = unwrap(node);
  switch (target.type) {
    case 'string':
    case 'concatenated_string': {
      const text = stringValue(target);
      return text === undefined ? dynamic : { kind: 'string', value: text };
    }
    case 'integer':
    case 'float': {
      const number = numberValue(target.text);
      return number === undefined ? dynamic : { kind: 'number', value: number, text: target.text };
    }
    case 'unary_operator': {
      const argument = target.childForFieldName('argument');
      if (argument === null) return dynamic;
      const operator = target.childForFieldName('operator')?.type;
      return (
        signedNumberValue(
          operator,
          unwrap(argument),
          (type) => type === 'integer' || type === 'float',
        ) ?? dynamic
      );
    }
    case 'true':
      return { kind: 'boolean', value: true };
    case 'false':
      return { kind: 'boolean', value: false };
    case 'none':
      return { kind: 'null' };
    default:
      return dynamic;
  }
}

function unwrapJson(node: Node): Node {
  let current = unwrap(node);
  for (let depth = 0; depth < 4; depth++) {
    const inner = call(current);
    if (inner === undefined) return current;
    const first = inner.args[0];
    // json.dumps(order), dumps(order)
    if ((inner.name === 'dumps' || inner.name === 'bytes') && first?.kind === 'positional') {
      current = unwrap(first.node);
      continue;
    }
    // json.dumps(order).encode(), ....encode("utf-8")
    if (inner.name === 'encode' && inner.receiver !== undefined) {
      current = unwrap(inner.receiver);
      continue;
    }
    return current;
  }
  return current;
}

function concatenationEnd(node: Node): Node | undefined {
  const target = unwrap(node);
  if (target.type !== 'binary_operator') return undefined;
  if (target.childForFieldName('operator')?.type !== '+') return undefined;
  return target.childForFieldName('right') ?? undefined;
}

function formatTemplate(node: Node): Node | undefined {
  const target = unwrap(node);
  if (target.type === 'binary_operator') {
    if (target.childForFieldName('operator')?.type !== '%') return undefined;
    return target.childForFieldName('left') ?? undefined;
  }
  const formatted = call(target);
  if (formatted?.name === 'format' && formatted.receiver !== undefined) return formatted.receiver;
  return undefined;
}

const functionTypes = new Set(['function_definition', 'lambda']);

function assignmentOf(identifier: Node): Assignment | undefined {
  const parent = identifier.parent;
  if (parent === null || parent.type !== 'assignment') return undefined;
  const left = parent.childForFieldName('left');
  const right = parent.childForFieldName('right');
  if (left === null || right === null || !left.equals(identifier)) return undefined;
  const statement = parent.parent?.type === 'expression_statement' ? parent.parent : parent;
  return { statement, target: identifier, value: right };
}

function assignedTo(node: Node): Node | undefined {
  const parent = node.parent;
  if (parent === null || parent.type !== 'assignment') return undefined;
  if (parent.childForFieldName('right')?.id !== node.id) return undefined;
  const left = parent.childForFieldName('left');
  return left?.type === 'identifier' ? left : undefined;
}

function argumentOf(node: Node): Node | undefined {
  const parent = node.parent;
  if (parent?.type === 'argument_list') return parent.parent ?? undefined;
  if (parent?.type === 'keyword_argument' && parent.childForFieldName('value')?.id === node.id) {
    return parent.parent?.parent ?? undefined;
  }
  return undefined;
}

function pairOf(node: Node): { container: Node; key: string | undefined } | undefined {
  const parent = node.parent;
  if (parent?.type !== 'pair' || parent.childForFieldName('value')?.id !== node.id) {
    return undefined;
  }
  const key = parent.childForFieldName('key');
  const container = parent.parent;
  if (key === null || container === null) return undefined;
  return { container, key: stringValue(key) };
}

function interpolationOf(node: Node): Node | undefined {
  const parent = node.parent;
  if (parent?.type !== 'interpolation') return undefined;
  return parent.parent?.type === 'string' ? parent.parent : undefined;
}

function parameterAnnotation(fn: Node, name: string): string | undefined {
  const parameters = fn.childForFieldName('parameters');
  if (parameters === null) return undefined;
  for (const parameter of children(parameters)) {
    switch (parameter.type) {
      case 'identifier':
        if (parameter.text === name) return '';
        break;
      case 'typed_parameter': {
        const identifier = children(parameter).find((child) => child.type === 'identifier');
        if (identifier?.text === name) return parameter.childForFieldName('type')?.text ?? '';
        break;
      }
      case 'default_parameter':
      case 'typed_default_parameter':
        if (parameter.childForFieldName('name')?.text === name) {
          return parameter.childForFieldName('type')?.text ?? '';
        }
        break;
      case 'list_splat_pattern':
      case 'dictionary_splat_pattern':
        if (children(parameter)[0]?.text === name) return '';
        break;
    }
  }
  return undefined;
}

function importsSdk(root: Node): boolean {
  for (const statement of children(root)) {
    if (statement.type === 'import_statement') {
      for (const name of children(statement)) {
        const dotted = name.type === 'aliased_import' ? name.childForFieldName('name') : name;
        if (dotted?.text === 'timber') return true;
      }
    } else if (statement.type === 'import_from_statement') {
      if (statement.childForFieldName('module_name')?.text === 'timber') return true;
    }
  }
  return false;
}

export const python: Dialect = {
  grammar: 'python',
  needles:
    /\b(?<sdk>buy|sell|place_order)\s*\(|(?<orders>\/orders\/?)(?=["'])|(?<symbol>["']symbol["']\s*:|\bsymbol\s*=(?!=))/g,
  isCall: (node) => node.type === 'call',
  call,
  container,
  value,
  unwrap,
  unwrapJson,
  stringTail,
  concatenationEnd,
  formatTemplate,
  isIdentifier: (node) => node.type === 'identifier',
  isFunction: (node) => functionTypes.has(node.type),
  isClassBody: (node) => node.type === 'block' && node.parent?.type === 'class_definition',
  assignmentOf,
  assignedTo,
  argumentOf,
  pairOf,
  interpolationOf,
  parameterAnnotation,
  importsSdk,
  // The Python SDK's options are the API's own names (`stop_loss=`).
  optionName: (written) => written,
  isAbsent: (node) => unwrap(node).type === 'none',
};
