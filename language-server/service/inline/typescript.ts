// The TypeScript and JavaScript view of calls, object literals and literals
// (tree-sitter-typescript's node types; the TSX grammar has the same ones).
import type { Node } from '@vscode/tree-sitter-wasm';
import type { PayloadValue } from '../payload';
import { numberValue, signedNumberValue, snakeCase, unescape } from './literals';
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

const wrappers = new Set([
  'parenthesized_expression',
  'as_expression',
  'satisfies_expression',
  'non_null_expression',
  'type_assertion',
]);

function unwrap(node: Node): Node {
  let current = node;
  while (wrappers.has(current.type)) {
    // The expression is the first named child, except in `<T>expr` where it is the last.
    const parts = children(current);
    const inner = current.type === 'type_assertion' ? parts.at(-1) : parts[0];
    if (inner === undefined) break;
    current = inner;
  }
  return current;
}

function call(node: Node): CallSyntax | undefined {
  const isNew = node.type === 'new_expression';
  if (node.type !== 'call_expression' && !isNew) return undefined;
  const callee = node.childForFieldName(isNew ? 'constructor' : 'function');
  const argumentsNode = node.childForFieldName('arguments');
  if (callee === null || argumentsNode === null || argumentsNode.type !== 'arguments') {
    return undefined;
  }
  let name: string;
  let receiver: Node | undefined;
  if (callee.type === 'identifier') name = callee.text;
  else if (callee.type === 'member_expression') {
    const property = callee.childForFieldName('property');
    const object = callee.childForFieldName('object');
    if (property === null || object === null) return undefined;
    name = property.text;
    receiver = object;
  } else return undefined;
  const args: Argument[] = children(argumentsNode).map((child) =>
    child.type === 'spread_element'
      ? { kind: 'spread', node: child }
      : { kind: 'positional', node: child },
  );
  return { node, name, receiver, args, argumentsNode };
}

function keyText(key: Node): string | undefined {
  switch (key.type) {
    case 'property_identifier':
    case 'private_property_identifier':
    case 'number':
      return key.text;
    case 'string':
      return stringValue(key);
    case 'computed_property_name': {
      const inner = children(key)[0];
      return inner === undefined ? undefined : stringValue(inner);
    }
    default:
      return undefined;
  }
}

function container(node: Node): ContainerSyntax | undefined {
  const target = unwrap(node);
  if (target.type !== 'object') return undefined;
  const entries: Entry[] = [];
  let last: Node | undefined;
  for (const child of children(target)) {
    last = child;
    if (child.type === 'pair') {
      const keyNode = child.childForFieldName('key');
      const valueNode = child.childForFieldName('value');
      if (keyNode === null || valueNode === null) continue;
      entries.push({ kind: 'pair', key: keyText(keyNode), keyNode, valueNode });
    } else if (child.type === 'shorthand_property_identifier') {
      entries.push({
        kind: 'pair',
        key: child.text,
        keyNode: child,
        valueNode: child,
        role: 'shorthand',
      });
    } else if (child.type === 'spread_element') entries.push({ kind: 'spread', node: child });
    // Methods and accessors are not data the API could read.
  }
  return {
    node: target,
    entries,
    style: 'ts-object',
    insertAt: last?.endIndex ?? target.startIndex + 1,
  };
}

function stringValue(node: Node): string | undefined {
  const tail = stringTail(node);
  return tail?.literal ? tail.text : undefined;
}

function stringTail(node: Node): StringTail | undefined {
  const target = unwrap(node);
  if (target.type === 'string') {
    const text = target.text;
    return { text: unescape(text.slice(1, -1), 'typescript'), endsWith: undefined, literal: true };
  }
  if (target.type !== 'template_string') return undefined;
  let text = '';
  let endsWith: Node | undefined;
  let literal = true;
  for (let index = 0; index < target.namedChildCount; index++) {
    const part = target.namedChild(index);
    if (part === null) continue;
    if (part.type === 'template_substitution') {
      literal = false;
      text = '';
      endsWith = children(part)[0];
    } else if (part.type === 'string_fragment' || part.type === 'escape_sequence') {
      endsWith = undefined;
      text += part.type === 'escape_sequence' ? unescape(part.text, 'typescript') : part.text;
    }
  }
  return { text, endsWith, literal };
}

function value(node: Node): PayloadValue {
  const target = unwrap(node);
  switch (target.type) {
    case 'string':
    case 'template_string': {
      const text = stringValue(target);
      return text === undefined ? dynamic : { kind: 'string', value: text };
    }
    case 'number': {
      const number = numberValue(target.text);
      return number === undefined ? dynamic : { kind: 'number', value: number, text: target.text };
    }
    case 'unary_expression': {
      const argument = target.childForFieldName('argument');
      if (argument === null) return dynamic;
      const operator = target.childForFieldName('operator')?.type;
      return signedNumberValue(operator, unwrap(argument), (type) => type === 'number') ?? dynamic;
    }
    case 'true':
      return { kind: 'boolean', value: true };
    case 'false':
      return { kind: 'boolean', value: false };
    case 'null':
      return { kind: 'null' };
    default:
      return dynamic;
  }
}

function unwrapJson(node: Node): Node {
  const target = unwrap(node);
  const inner = call(target);
  const first = inner?.args[0];
  if (inner?.name === 'stringify' && first?.kind === 'positional') return unwrap(first.node);
  return target;
}

function concatenationEnd(node: Node): Node | undefined {
  const target = unwrap(node);
  if (target.type !== 'binary_expression') return undefined;
  if (target.childForFieldName('operator')?.type !== '+') return undefined;
  return target.childForFieldName('right') ?? undefined;
}

const functionTypes = new Set([
  'function_declaration',
  'function_expression',
  'function',
  'arrow_function',
  'method_definition',
  'generator_function_declaration',
  'generator_function',
]);

function assignmentOf(identifier: Node): Assignment | undefined {
  const parent = identifier.parent;
  if (parent === null) return undefined;
  if (parent.type === 'variable_declarator') {
    const name = parent.childForFieldName('name');
    const value = parent.childForFieldName('value');
    if (name === null || value === null || !name.equals(identifier)) return undefined;
    return { statement: parent.parent ?? parent, target: identifier, value };
  }
  if (parent.type === 'assignment_expression') {
    const left = parent.childForFieldName('left');
    const right = parent.childForFieldName('right');
    if (left === null || right === null || !left.equals(identifier)) return undefined;
    const statement = parent.parent?.type === 'expression_statement' ? parent.parent : parent;
    return { statement, target: identifier, value: right };
  }
  return undefined;
}

function assignedTo(node: Node): Node | undefined {
  const parent = node.parent;
  if (parent === null) return undefined;
  const field =
    parent.type === 'variable_declarator'
      ? ['value', 'name']
      : parent.type === 'assignment_expression'
        ? ['right', 'left']
        : undefined;
  if (field === undefined || parent.childForFieldName(field[0])?.id !== node.id) return undefined;
  const target = parent.childForFieldName(field[1]);
  return target?.type === 'identifier' ? target : undefined;
}

function argumentOf(node: Node): Node | undefined {
  const parent = node.parent;
  return parent?.type === 'arguments' ? (parent.parent ?? undefined) : undefined;
}

function pairOf(node: Node): { container: Node; key: string | undefined } | undefined {
  const parent = node.parent;
  if (parent?.type !== 'pair' || parent.childForFieldName('value')?.id !== node.id) {
    return undefined;
  }
  const key = parent.childForFieldName('key');
  const container = parent.parent;
  if (key === null || container === null) return undefined;
  return { container, key: keyText(key) };
}

function interpolationOf(node: Node): Node | undefined {
  const parent = node.parent;
  if (parent?.type !== 'template_substitution') return undefined;
  return parent.parent?.type === 'template_string' ? parent.parent : undefined;
}

function parameterAnnotation(fn: Node, name: string): string | undefined {
  const parameters = fn.childForFieldName('parameters') ?? fn.childForFieldName('parameter');
  if (parameters === null) return undefined;
  // `ctx => ...`: the parameter is the identifier itself.
  if (parameters.type === 'identifier') return parameters.text === name ? '' : undefined;
  for (const parameter of children(parameters)) {
    if (parameter.type !== 'required_parameter' && parameter.type !== 'optional_parameter') {
      continue;
    }
    const pattern = parameter.childForFieldName('pattern');
    const bound = pattern?.type === 'rest_pattern' ? children(pattern)[0] : pattern;
    if (bound?.type !== 'identifier' || bound.text !== name) continue;
    const annotation = parameter.childForFieldName('type');
    return annotation === null ? '' : annotation.text.replace(/^:\s*/, '');
  }
  return undefined;
}

const sdkModule = /^(@timber-studio\/sdk|.*\/sdk\/node\/src(\/index)?)$/;

function importsSdk(root: Node): boolean {
  for (const statement of children(root)) {
    if (statement.type === 'import_statement') {
      const source = statement.childForFieldName('source');
      if (source !== null && sdkModule.test(stringValue(source) ?? '')) return true;
    } else if (
      statement.type === 'lexical_declaration' ||
      statement.type === 'variable_declaration'
    ) {
      const required = /require\(\s*(['"])(.*?)\1\s*\)/.exec(statement.text);
      if (required !== null && sdkModule.test(required[2])) return true;
    }
  }
  return false;
}

/** The TypeScript SDK's order options, by their camelCase names. */
const optionNames: Record<string, string> = {
  stopLoss: 'stop_loss',
  takeProfit: 'take_profit',
  limitPrice: 'limit_price',
  timeInForce: 'time_in_force',
  clientOrderId: 'client_order_id',
};

export const typescript: Dialect = {
  grammar: 'typescript',
  needles:
    /\b(?<sdk>buy|sell|placeOrder)\s*\(|(?<orders>\/orders\/?)(?=["'`])|(?<symbol>["']symbol["']\s*:|\bsymbol\s*[:,}])/g,
  isCall: (node) => node.type === 'call_expression' || node.type === 'new_expression',
  call,
  container,
  value,
  unwrap,
  unwrapJson,
  stringTail,
  concatenationEnd,
  // Template strings do in TypeScript what format strings do in Python.
  formatTemplate: () => undefined,
  isIdentifier: (node) => node.type === 'identifier',
  isFunction: (node) => functionTypes.has(node.type),
  isClassBody: (node) => node.type === 'class_body',
  assignmentOf,
  assignedTo,
  argumentOf,
  pairOf,
  interpolationOf,
  parameterAnnotation,
  importsSdk,
  optionName: (written) => optionNames[written] ?? snakeCase(written),
  isAbsent: (node) => {
    const target = unwrap(node);
    return (
      target.type === 'undefined' || (target.type === 'identifier' && target.text === 'undefined')
    );
  },
};
